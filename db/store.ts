import type { SqliteDb } from "./sqlite/database.js";
import type { PgPool } from "./postgres/pool.js";

/**
 * Everything the app keeps, behind one interface with two implementations: the SQLite file
 * (db/sqlite, the default, one machine) and PostgreSQL (db/postgres, any number of instances on
 * one database). All SQL lives below this file; the rest of the app sees these functions only.
 */

export type Dialect = "sqlite" | "postgres";

export type UserRecord = {
  id: string;
  username: string;
  email: string;
  passwordHash: string;
  /** Incremented by every password swap; sessions started under another version are void. */
  credentialVersion: number;
  createdAt: number;
  passwordChangedAt: number | null;
};

export type NewUser = Pick<UserRecord, "id" | "username" | "email" | "passwordHash" | "createdAt">;

/** Which unique column a new user collided with; errors as values, not exceptions. */
export type InsertUserResult = { ok: true } | { ok: false; taken: "username" | "email" };

/** Which sessions a password swap ends; the ones it does not end carry over to the new version. */
export type SessionsToEnd = "all" | "own" | "none";

/** A message to an account owner, as the outbox keeps it. */
export type OutboxMessage = {
  userId: string;
  recipient: string;
  subject: string;
  body: string;
  createdAt: number;
  /** Whether a sender should deliver it; false when no mail transport is configured (kept as a record only). */
  deliver: boolean;
  /**
   * The body carries a secret (a password-reset link): it is kept only while it may still be
   * needed. Once the message is sent or given up, once `until` has passed, or once the user's
   * password changes, the stored body becomes `redacted`, so a copy of the database holds no live link.
   */
  secret?: { redacted: string; until: number };
};

export type SetPasswordInput = {
  userId: string;
  /** The hash and version the caller read before verifying: the swap happens only while both are current. */
  expected: { passwordHash: string; credentialVersion: number };
  passwordHash: string;
  changedAt: number;
  endSessions: SessionsToEnd;
  /** The session of the device making the change, if any: "own" ends just this one. */
  ownSessionId: string | null;
  /** A session to start in the same transaction (the device that made the change stays signed in). */
  newSession?: { id: string; expiresAt: Date } & SessionDevice;
  /** The notice to the owner, written in the same transaction (a transactional outbox). */
  notice?: OutboxMessage;
  /**
   * The reset link that vouches for this change: marked used in the same transaction, and the swap
   * happens only while it is unused, unexpired and issued under the expected credential version.
   */
  passwordResetId?: string;
};

export type SetPasswordResult =
  | { updated: false }
  | {
      updated: true;
      credentialVersion: number;
      ownSessionEnded: boolean;
      /** Live sessions of other devices that were deleted. */
      otherSessionsEnded: number;
      /** Live sessions of other devices that carry over to the new password. */
      otherSessionsKept: number;
      /** The outbox row of the notice, when one was given. */
      noticeId: number | null;
    };

export type UserStore = {
  findById(id: string): Promise<UserRecord | undefined>;
  /** Case-insensitive (usernames are ASCII and unique case-insensitively). */
  findByUsername(username: string): Promise<UserRecord | undefined>;
  /** Case-insensitive, like usernames (e-mail addresses are ASCII and unique case-insensitively). */
  findByEmail(email: string): Promise<UserRecord | undefined>;
  insert(user: NewUser): Promise<InsertUserResult>;
  /**
   * Replaces the expected hash with a new one, moves the credential version on, ends or carries
   * over the user's sessions and writes the notice, all in one transaction. `updated: false`
   * means the hash or version was no longer the expected one (another change won).
   */
  setPassword(input: SetPasswordInput): Promise<SetPasswordResult>;
};

/** A session and its user, as the one lookup per authenticated request finds them. */
export type SessionWithUser = {
  id: string;
  userId: string;
  expiresAt: Date;
  createdAt: number;
  credentialVersion: number;
  username: string;
  email: string;
  /** Whether the session was started with the user's current credentials (false once they changed). */
  current: boolean;
  /** When a request last used it (milliseconds), as last written; null for sessions from before it was kept. */
  lastSeenAt: number | null;
};

/**
 * Where a session was started from, for the account's list of signed-in devices: the User-Agent
 * header as sent (the client's free text: shown only through a fixed list of names) and the IP
 * address. Null for sessions started before they were kept, and for programs that send no header.
 */
export type SessionDevice = { userAgent?: string | null; ip?: string | null };

export type SessionRow = SessionDevice & {
  id: string;
  userId: string;
  expiresAt: Date;
  createdAt: number;
  credentialVersion: number;
  lastSeenAt?: number | null;
};

/** A live session of an account (current credentials, not expired): one signed-in device. */
export type LiveSession = {
  id: string;
  createdAt: number;
  lastSeenAt: number | null;
  userAgent: string | null;
  ip: string | null;
  expiresAt: Date;
};

export type SessionStore = {
  /** One indexed lookup: the session's primary key, then its user. The one place that decides whether credentials are current. */
  findWithUser(id: string): Promise<SessionWithUser | undefined>;
  /** Writes a session row directly (seeding, copying between databases); Lucia writes its own. */
  insert(session: SessionRow & { userId: string }): Promise<void>;
  /** The user's live sessions (started under the current credential version, not expired at `now`), last seen first. */
  listLive(userId: string, now: Date): Promise<LiveSession[]>;
  /** Deletes one session, only if it is the user's; whether it was. */
  deleteOwned(userId: string, id: string): Promise<boolean>;
  /**
   * Deletes every session of the user but `keepId` (void and expired ones too); returns how many
   * of those were live at `now`, the devices a person would count.
   */
  deleteOthers(userId: string, keepId: string, now: Date): Promise<number>;
  /**
   * Records that the session was used at `at`, only if its last record is older than `staleBefore`
   * (or missing): at most one write per session per window. Whether it wrote.
   */
  touch(id: string, at: number, staleBefore: number): Promise<boolean>;
};

/** An outbox row claimed for delivery. */
export type ClaimedMessage = { id: number; recipient: string; subject: string; body: string; userId: string; attempts: number };

export type OutboxStore = {
  /** A message written on its own (not part of a password change). */
  add(message: OutboxMessage): Promise<number>;
  /**
   * Up to `limit` messages due for delivery, each claimed until `leaseUntil` so that no other
   * sender (another worker, another instance) takes it meanwhile.
   */
  claimDue(now: number, leaseUntil: number, limit: number): Promise<ClaimedMessage[]>;
  markSent(id: number, at: number): Promise<void>;
  /** A failed attempt: retried at `retryAt`, or given up for good when it is null. */
  markFailed(id: number, error: string, retryAt: number | null): Promise<void>;
  /** Whether the message was delivered (sent_at set). */
  isSent(id: number): Promise<boolean>;
};

/** A password-reset link as stored: the SHA-256 of its token, never the token itself. */
export type PasswordResetRecord = {
  /** SHA-256 (hex) of the token in the link. */
  id: string;
  userId: string;
  /** The user's credential version when the link was issued: any password change since voids it. */
  credentialVersion: number;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
};

/** A link together with what the reset needs of its user. */
export type PasswordResetWithUser = PasswordResetRecord & { user: UserRecord };

export type PasswordResetStore = {
  /**
   * Writes the link and the e-mail that carries it in one transaction (a link never exists without
   * its message, nor a message without its link) and sweeps out expired links; the outbox row's id.
   */
  issue(reset: Omit<PasswordResetRecord, "usedAt">, message: OutboxMessage): Promise<number>;
  /** The link stored under `id`, with its user; undefined when there is none. */
  find(id: string): Promise<PasswordResetWithUser | undefined>;
  /**
   * Forgets links that expired more than a day ago (until then a late click is told "expired" rather
   * than "not valid") and redacts every outbox body whose secret has expired. The same write as
   * `issue`, so a request for an unknown account costs a comparable transaction.
   */
  sweep(now: number): Promise<void>;
};

export type AuthEventRow = {
  type: string;
  reason: string | null;
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: number;
};

export type AuthEventStore = { insert(event: AuthEventRow): Promise<void> };

export type SettingStore = {
  /** The stored value, or `make()`'s, stored first; instances starting together agree on one value. */
  getOrCreate(key: string, make: () => string): Promise<string>;
};

/**
 * The driver handle for the two libraries that run their own SQL on our database: Lucia's adapter
 * (server/auth/sessions.ts) and rate-limiter-flexible (server/auth/throttle.ts).
 */
export type Driver = { dialect: "sqlite"; db: SqliteDb } | { dialect: "postgres"; pool: PgPool };

export type Store = {
  dialect: Dialect;
  driver: Driver;
  users: UserStore;
  sessions: SessionStore;
  outbox: OutboxStore;
  passwordResets: PasswordResetStore;
  authEvents: AuthEventStore;
  settings: SettingStore;
  /** The migrations this code ships that the database has not recorded; rejects when it cannot be read. */
  pendingMigrations(): Promise<number[]>;
  close(): Promise<void>;
};
