/**
 * A searchable multi-select. @inquirer/prompts' checkbox cannot filter, and its search prompt picks
 * only one value, so this is a small custom prompt built on @inquirer/core (the copy
 * @inquirer/prompts already uses, pinned to the same version): the typed line filters the list,
 * space toggles, enter accepts.
 */
import {
  createPrompt,
  isDownKey,
  isEnterKey,
  isSpaceKey,
  isTabKey,
  isUpKey,
  makeTheme,
  useKeypress,
  useMemo,
  usePagination,
  usePrefix,
  useState,
} from '@inquirer/core';
import type { Choice } from '../ports/ui.js';
import type { PromptTheme } from './prompt-theme.js';

interface SearchableCheckboxConfig {
  message: string;
  choices: Choice[];
  default: string[];
  validate?: (values: string[]) => true | string;
  theme: PromptTheme;
  pageSize?: number;
}

/** The typed line is the filter (matched against name, value and description). */
export function matchesFilter(choice: Choice, term: string): boolean {
  const needle = term.trim().toLowerCase();
  if (needle === '') return true;
  return [choice.name, choice.value, choice.description ?? ''].some((field) =>
    field.toLowerCase().includes(needle),
  );
}

export const searchableCheckbox = createPrompt<string[], SearchableCheckboxConfig>((config, done) => {
  const theme = makeTheme(config.theme);
  const styles = config.theme.style;
  const [status, setStatus] = useState<'idle' | 'done'>('idle');
  const [term, setTerm] = useState('');
  const [checked, setChecked] = useState<ReadonlySet<string>>(
    new Set(config.default.filter((value) => config.choices.some((choice) => choice.value === value))),
  );
  const [active, setActive] = useState(0);
  const [error, setError] = useState<string | undefined>(undefined);
  const prefix = usePrefix({ status, theme });
  const visible = useMemo(() => config.choices.filter((choice) => matchesFilter(choice, term)), [term]);
  const current = visible[Math.min(active, visible.length - 1)];

  useKeypress((key, rl) => {
    if (status !== 'idle') return;
    if (isEnterKey(key)) {
      // Submitting a line clears readline's buffer; keep the filter the user typed.
      rl.write(term);
      const selection = config.choices
        .filter((choice) => checked.has(choice.value))
        .map((choice) => choice.value);
      const verdict = config.validate ? config.validate(selection) : true;
      if (verdict === true) {
        setStatus('done');
        done(selection);
      } else {
        setError(verdict);
      }
    } else if (isUpKey(key) || isDownKey(key)) {
      if (visible.length > 0) {
        const offset = isUpKey(key) ? -1 : 1;
        setActive(Math.min(Math.max(Math.min(active, visible.length - 1) + offset, 0), visible.length - 1));
      }
    } else if (isSpaceKey(key) || isTabKey(key)) {
      // Space and tab toggle; they never become part of the filter.
      rl.clearLine(0);
      rl.write(term);
      if (!current) return;
      if (current.disabled) {
        setError(typeof current.disabled === 'string' ? current.disabled : 'This option cannot be selected');
        return;
      }
      const next = new Set(checked);
      if (next.has(current.value)) next.delete(current.value);
      else next.add(current.value);
      setChecked(next);
      setError(undefined);
    } else if (rl.line !== term) {
      setTerm(rl.line);
      setActive(0);
      setError(undefined);
    }
  });

  const page = usePagination({
    items: visible,
    active: Math.min(active, Math.max(visible.length - 1, 0)),
    pageSize: config.pageSize ?? 10,
    loop: false,
    renderItem({ item, isActive }) {
      const cursor = isActive ? '❯' : ' ';
      const box = checked.has(item.value) ? '◉' : '◯';
      if (item.disabled) {
        const label = typeof item.disabled === 'string' ? item.disabled : '(disabled)';
        return styles.disabled(`${cursor}${box} ${item.name} ${label}`);
      }
      const line = `${cursor}${checked.has(item.value) ? styles.highlight(box) : box} ${item.name}`;
      return isActive ? styles.highlight(line) : line;
    },
  });

  const message = styles.message(config.message);
  if (status === 'done') {
    const names = config.choices.filter((choice) => checked.has(choice.value)).map((choice) => choice.name);
    return [prefix, message, styles.answer(names.length > 0 ? names.join(', ') : '(none)')].join(' ');
  }

  // The keys are named once, on the hint line below; the header holds only what was typed.
  const header = [prefix, message, ...(term ? [styles.answer(term)] : [])].join(' ');
  const body = [
    visible.length > 0 ? page : styles.error(`No choice matches "${term}"`),
    styles.help(`${checked.size} selected`),
    current?.description ? styles.description(current.description) : '',
    error ? styles.error(error) : '',
    styles.keysHelpTip([
      ['type', 'filter'],
      ['↑↓', 'navigate'],
      ['space', 'toggle'],
      ['⏎', 'accept'],
    ]),
  ]
    .filter(Boolean)
    .join('\n');
  return [header, body];
});
