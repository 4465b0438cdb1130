import type { ActionFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form } from "@remix-run/react";

export const meta: MetaFunction = () => [{ title: "Sign out" }];

export async function action({ context }: ActionFunctionArgs) {
  await context.trpc.auth.logout();
  return redirect("/", 303);
}

/** GET never signs anyone out (a link or an image could trigger it); it offers the button instead. */
export default function Logout() {
  return (
    <main>
      <Form method="post" className="card">
        <h1>Sign out</h1>
        <button type="submit">Sign out</button>
      </Form>
    </main>
  );
}
