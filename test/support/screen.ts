import xterm from '@xterm/headless';

/** A resize of the terminal after `at` characters of output had been drawn (as pty-driver.py reports it). */
export interface Resize {
  at: number;
  cols: number;
  rows: number;
}

/**
 * What a person saw: `output` (escape codes and all) drawn by a real terminal emulator (xterm.js),
 * resized where the run was, up to `upTo` characters. Like GNOME Terminal, iTerm2, Windows Terminal
 * or tmux, it re-wraps every drawn line when the window gets narrower, the cursor's line included
 * (xterm.js leaves that one alone unless told, as shells redraw it themselves; a spinner is that line). Returns every line, scrollback included, without trailing
 * blanks and without the empty rows below the last line drawn.
 */
export async function screenOf(
  output: string,
  size: { cols: number; rows: number },
  resizes: Resize[] = [],
  upTo?: number,
): Promise<string[]> {
  const terminal = new xterm.Terminal({
    ...size,
    scrollback: 5_000,
    reflowCursorLine: true,
    allowProposedApi: true,
  });
  const characters = Array.from(output).slice(0, upTo);
  const draw = (from: number, to: number): Promise<void> =>
    new Promise((done) => terminal.write(characters.slice(from, to).join(''), done));
  let drawnTo = 0;
  for (const resize of resizes) {
    if (resize.at > characters.length) break;
    await draw(drawnTo, resize.at);
    drawnTo = resize.at;
    terminal.resize(resize.cols, resize.rows);
  }
  await draw(drawnTo, characters.length);
  const buffer = terminal.buffer.active;
  const lines: string[] = [];
  for (let row = 0; row < buffer.length; row += 1)
    lines.push(buffer.getLine(row)?.translateToString(true) ?? '');
  terminal.dispose();
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}
