import { PassThrough } from 'node:stream';
import * as readline from 'node:readline';

export interface FakeStream {
  stream: PassThrough;
  text(): string;
}

/**
 * A PassThrough that is a terminal or not, recording everything written (cursor moves as the ANSI
 * sequences a TTY would get).
 */
export function fakeStream(isTTY: boolean): FakeStream {
  const stream = new PassThrough();
  let written = '';
  stream.on('data', (chunk: Buffer) => {
    written += chunk.toString();
  });
  Object.assign(stream, {
    isTTY,
    columns: 100,
    rows: 40,
    cursorTo: (x: number, y?: number) => readline.cursorTo(stream, x, y),
    moveCursor: (dx: number, dy: number) => readline.moveCursor(stream, dx, dy),
    clearLine: (dir: -1 | 0 | 1) => readline.clearLine(stream, dir),
    getWindowSize: () => [100, 40],
    hasColors: () => isTTY,
    getColorDepth: () => (isTTY ? 8 : 1),
    setRawMode: () => stream,
  });
  return { stream, text: () => written };
}
