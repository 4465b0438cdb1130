-- Counter keys are keyed hashes from now on (server/auth/throttle.ts): HMAC of the username, IP
-- address or device id under the app's secret. The rows kept so far name usernames (sometimes a
-- password typed into the wrong field) and addresses in clear; they go, and every counter starts
-- afresh once.
DELETE FROM rate_limit;
