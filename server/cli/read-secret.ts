/**
 * Reads a password from the terminal without echoing it, or, when standard input is not a
 * terminal (a pipe, a file), takes its lines as they come.
 */

// What arrived after the end of the last line: a paste of both answers comes in one chunk, and
// the second belongs to the next prompt.
let pending = "";

export function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  // No echo before the prompt is shown: whatever is typed (or pasted) once it is up stays hidden.
  stdin.setRawMode(true);
  process.stderr.write(prompt);
  return new Promise((resolve) => {
    let secret = "";
    let skipLineFeed = false;
    const finish = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      resolve(secret);
    };
    /** Takes characters until a line ends; true when it did (the rest is kept for the next prompt). */
    const take = (text: string): boolean => {
      const characters = [...text];
      for (let index = 0; index < characters.length; index++) {
        const character = characters[index]!;
        // "\r\n" is one line end, not an end and then an empty line.
        if (skipLineFeed && character === "\n") {
          skipLineFeed = false;
          continue;
        }
        skipLineFeed = false;
        if (character === "\r" || character === "\n") {
          let rest = characters.slice(index + 1).join("");
          if (character === "\r" && rest.startsWith("\n")) rest = rest.slice(1);
          pending = rest;
          return true;
        }
        if (character === "\u0003") {
          process.stderr.write("\n");
          process.exit(130);
        }
        if (character === "\u007f" || character === "\b") secret = [...secret].slice(0, -1).join("");
        else secret += character;
      }
      return false;
    };
    // Listening (rather than iterating) leaves the stream open for the next prompt.
    const onData = (chunk: string) => {
      if (take(chunk)) finish();
    };
    stdin.setEncoding("utf8");
    stdin.on("data", onData);
    const earlier = pending;
    pending = "";
    if (earlier && take(earlier)) finish();
    else stdin.resume();
  });
}

/** Every line of a non-terminal standard input, without their line endings. */
export async function readLines(): Promise<string[]> {
  let text = "";
  process.stdin.setEncoding("utf8");
  for await (const chunk of process.stdin as AsyncIterable<string>) text += chunk;
  return text.split(/\r?\n/);
}
