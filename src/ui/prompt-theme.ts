import type { ChalkInstance } from 'chalk';

/** One theme for every prompt, painted with our chalk so --no-color really means no colour. */
export function promptTheme(paint: ChalkInstance) {
  return {
    prefix: { idle: paint.blue('?'), done: paint.green('✔') },
    spinner: {
      frames: ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'].map((frame) => paint.yellow(frame)),
    },
    style: {
      answer: (text: string) => paint.cyan(text),
      message: (text: string) => paint.bold(text),
      error: (text: string) => paint.red(`> ${text}`),
      defaultAnswer: (text: string) => paint.dim(`(${text})`),
      help: (text: string) => paint.dim(text),
      highlight: (text: string) => paint.cyan(text),
      key: (text: string) => paint.cyan.bold(`<${text}>`),
      disabled: (text: string) => paint.dim(text),
      description: (text: string) => paint.cyan(text),
      keysHelpTip: (keys: [string, string][]) =>
        keys.map(([key, action]) => `${paint.bold(key)} ${paint.dim(action)}`).join(paint.dim(' • ')),
    },
  };
}

export type PromptTheme = ReturnType<typeof promptTheme>;
