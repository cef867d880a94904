/**
 * Questions: confirm, input and select come from @inquirer/prompts 8.5.0; multiselect is our
 * searchable checkbox. Input shows `validate`'s reason live while typing (through inquirer's
 * `transformer`) and again on enter.
 *
 * Input's default is shown beside the question, not typed into the line (inquirer's `prefill: 'tab'`):
 * enter takes it, the first key typed replaces it, tab puts it in the line to edit, and backspace
 * drops it. With `'editable'` a typed key was appended to the default instead.
 */
import type { ChalkInstance } from 'chalk';
import { confirm, input, select } from '@inquirer/prompts';
import type { Choice, Question } from '../ports/ui.js';
import type { PromptTheme } from './prompt-theme.js';
import { searchableCheckbox } from './searchable-checkbox.js';

export type PromptContext = { input: NodeJS.ReadStream; output: NodeJS.WriteStream };

export async function prompt(
  question: Question,
  context: PromptContext,
  theme: PromptTheme,
  paint: ChalkInstance,
): Promise<unknown> {
  switch (question.kind) {
    case 'confirm':
      return confirm({ message: question.message, default: question.default, theme }, context);
    case 'input': {
      const { validate } = question;
      return input(
        {
          message: question.message,
          default: question.default,
          prefill: 'tab',
          theme: {
            ...theme,
            // The one key hint of this question, shown only while the default is there to take.
            style: { ...theme.style, defaultAnswer: (text: string) => paint.dim(`(${text}, tab to edit)`) },
          },
          ...(validate && {
            validate,
            // Live feedback: the reason appears next to the value while it is invalid.
            transformer: (value: string, { isFinal }: { isFinal: boolean }) => {
              if (isFinal) return theme.style.answer(value);
              const verdict = value === '' ? true : validate(value);
              return verdict === true ? value : `${value}  ${paint.dim.red(verdict)}`;
            },
          }),
        },
        context,
      );
    }
    case 'select':
      return select(
        {
          message: question.message,
          choices: question.choices.map(toInquirerChoice),
          default: question.default,
          theme,
        },
        context,
      );
    case 'multiselect':
      return searchableCheckbox(
        {
          message: question.message,
          choices: question.choices,
          default: question.default,
          ...(question.validate && { validate: question.validate }),
          theme,
        },
        context,
      );
  }
}

function toInquirerChoice(choice: Choice): {
  value: string;
  name: string;
  description?: string;
  disabled?: boolean | string;
} {
  return {
    value: choice.value,
    name: choice.name,
    ...(choice.description !== undefined && { description: choice.description }),
    ...(choice.disabled !== undefined && { disabled: choice.disabled }),
  };
}
