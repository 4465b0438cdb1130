import { router } from "../init.js";
import { authRouter } from "./auth.js";

export const appRouter = router({ auth: authRouter });

/** The only thing clients take from the server, and only as a type. */
export type AppRouter = typeof appRouter;
