import { expect } from 'vitest';
import type { Outcome } from './main.js';

/** The start of any ANSI control sequence (colour, cursor move, line clear). */
export const ESC = new RegExp(String.fromCharCode(27) + '\\[');
/** Spinner frames (ora's dots) never appear in plain output. */
export const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

/** No colour, no cursor moves, no spinner frame, on either stream. */
export function expectPlain(run: Outcome): void {
  expect(run.stdout).not.toMatch(ESC);
  expect(run.stderr).not.toMatch(ESC);
  expect(run.stderr).not.toMatch(SPINNER);
  expect(run.stdout).not.toMatch(SPINNER);
}
