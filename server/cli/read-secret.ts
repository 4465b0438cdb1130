/**
 * Reads a password from the terminal without echoing it, or, when standard input is not a
 * terminal (a pipe, a file), takes its lines as they come.
 */
export function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve) => {
    let secret = "";
    // Listening (rather than iterating) leaves the stream open for the next prompt.
    const onData = (chunk: string) => {
      for (const character of chunk) {
        if (character === "\r" || character === "\n") {
          stdin.off("data", onData);
          stdin.setRawMode(false);
          stdin.pause();
          process.stderr.write("\n");
          resolve(secret);
          return;
        }
        if (character === "\u0003") {
          process.stderr.write("\n");
          process.exit(130);
        }
        if (character === "\u007f" || character === "\b") secret = [...secret].slice(0, -1).join("");
        else secret += character;
      }
    };
    stdin.on("data", onData);
  });
}

/** Every line of a non-terminal standard input, without their line endings. */
export async function readLines(): Promise<string[]> {
  let text = "";
  process.stdin.setEncoding("utf8");
  for await (const chunk of process.stdin as AsyncIterable<string>) text += chunk;
  return text.split(/\r?\n/);
}
