// The compiled server reads its SQL migrations beside db/database.js, as the sources do.
import { cpSync } from "node:fs";

cpSync("db/migrations", "build/server/db/migrations", { recursive: true });
