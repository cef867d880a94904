import { execSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MESSAGES, PROGRESS, QUESTIONS, specOf } from '../../src/ports/messages.js';
import type { Message } from '../../src/ports/ui.js';

/** Every line of src/ outside the catalogue. */
const source = execSync("git ls-files 'src/*.ts' | grep -v '^src/ports/messages.ts$' | xargs cat", {
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});

describe('the message catalogue', () => {
  it('lists no code that nothing says: each is used in src/ (a family by its prefix)', () => {
    const codes = [...Object.keys(MESSAGES), ...Object.keys(PROGRESS), ...Object.keys(QUESTIONS)];
    const unused = codes.filter((code) =>
      code.endsWith('.*')
        ? !source.includes(`\`${code.slice(0, -1)}\${`) && !source.includes(`'${code.slice(0, -2)}`)
        : !source.includes(`'${code}'`),
    );
    // setup.public-cidr and setup.private-cidr are asked as `setup.${which}-cidr`.
    expect(unused.filter((code) => !code.endsWith('-cidr'))).toEqual([]);
  });

  it("gives a family's code its family's entry, and nothing to a code it does not list", () => {
    expect(specOf('setup.step.natGateway')).toBe(MESSAGES['setup.step.*']);
    expect(specOf('teardown.removed.vpc')?.level).toBe('success');
    expect(specOf('setup.step.')).toBeUndefined();
    expect(specOf('setup.nonsense')).toBeUndefined();
  });

  it('types a message by its code: another level, an unknown code or a wrong payload does not compile', () => {
    const good: Message[] = [
      { level: 'warn', code: 'lease.takeover', text: 'Took over the lock' },
      { level: 'success', code: 'setup.step.vpc', text: 'VPC' },
      { level: 'warn', code: 'teardown.plan.stranded', text: 'x', data: ['orders-api'] },
    ];
    // @ts-expect-error lease.takeover is a warning
    const wrongLevel: Message = { level: 'info', code: 'lease.takeover', text: '' };
    // @ts-expect-error not in the catalogue
    const unknown: Message = { level: 'info', code: 'setup.nonsense', text: '' };
    // @ts-expect-error teardown.plan.stranded carries the functions' names
    const wrongData: Message = { level: 'warn', code: 'teardown.plan.stranded', text: '', data: 3 };
    expect([...good, wrongLevel, unknown, wrongData].map((m) => specOf(m.code)?.level)).toEqual([
      'warn',
      'success',
      'warn',
      'warn',
      undefined,
      'warn',
    ]);
  });
});
