import { createContext, useContext, type ReactNode } from "react";

/**
 * The response's CSP nonce, handed from entry.server to the components that render inline scripts
 * and styles. In the browser it is "": browsers hide nonces from the page once it has loaded.
 */
const NonceContext = createContext("");

export function NonceProvider({ nonce, children }: { nonce: string; children: ReactNode }) {
  return <NonceContext.Provider value={nonce}>{children}</NonceContext.Provider>;
}

export const useNonce = () => useContext(NonceContext);
