import { describe, expect, it } from 'vitest';
import { AbortError, FixedIpError } from '../../src/errors.js';
import type { Question } from '../../src/ports/ui.js';
import { createRecordingUi } from '../support/recording-ui.js';

const confirmCreate = {
  kind: 'confirm',
  code: 'setup.confirm',
  message: 'Create the stack?',
  default: true,
} as const;

const cidr: Question = {
  kind: 'input',
  code: 'setup.public-cidr',
  message: 'Subnet CIDR',
  default: '10.0.200.0/28',
  validate: (value) => (value.endsWith('/28') ? true : 'must be a /28'),
};

const functions: Question = {
  kind: 'multiselect',
  code: 'setup.functions',
  message: 'Functions',
  choices: [
    { value: 'orders-api', name: 'orders-api' },
    { value: 'billing', name: 'billing' },
    { value: 'legacy', name: 'legacy', disabled: 'in another VPC' },
  ],
  default: ['orders-api'],
  validate: (values) => (values.length > 0 ? true : 'pick at least one'),
};

const vpc: Question = {
  kind: 'select',
  code: 'setup.vpc',
  message: 'VPC',
  choices: [
    { value: 'vpc-1', name: 'vpc-1' },
    { value: 'vpc-2', name: 'vpc-2' },
  ],
  default: 'vpc-1',
};

describe('recording UI', () => {
  it('answers by code and records the questions', async () => {
    const { ui, questions } = createRecordingUi({
      answers: { 'setup.confirm': false, 'setup.vpc': 'vpc-2' },
    });
    await expect(ui.ask(confirmCreate)).resolves.toBe(false);
    await expect(ui.ask(vpc)).resolves.toBe('vpc-2');
    expect(questions.map((q) => q.code)).toEqual(['setup.confirm', 'setup.vpc']);
  });

  it('consumes an array one answer per ask', async () => {
    const { ui } = createRecordingUi({ answers: { 'setup.confirm': [true, false] } });
    await expect(ui.ask(confirmCreate)).resolves.toBe(true);
    await expect(ui.ask(confirmCreate)).resolves.toBe(false);
    await expect(ui.ask(confirmCreate)).rejects.toThrow(/setup\.confirm/);
  });

  it('treats a string[] as one multiselect answer and an array of arrays as a sequence', async () => {
    const single = createRecordingUi({ answers: { 'setup.functions': ['orders-api', 'billing'] } });
    await expect(single.ui.ask(functions)).resolves.toEqual(['orders-api', 'billing']);
    await expect(single.ui.ask(functions)).resolves.toEqual(['orders-api', 'billing']);

    const sequence = createRecordingUi({ answers: { 'setup.functions': [['billing'], ['orders-api']] } });
    await expect(sequence.ui.ask(functions)).resolves.toEqual(['billing']);
    await expect(sequence.ui.ask(functions)).resolves.toEqual(['orders-api']);
  });

  it('validates scripted input like a user retyping', async () => {
    const { ui, validationErrors } = createRecordingUi({
      answers: { 'setup.public-cidr': ['10.0.0.0/16', '10.0.0.0/28'] },
    });
    await expect(ui.ask(cidr)).resolves.toBe('10.0.0.0/28');
    expect(validationErrors).toEqual([
      { code: 'setup.public-cidr', value: '10.0.0.0/16', reason: 'must be a /28' },
    ]);
  });

  it('validates scripted multiselect answers too', async () => {
    const { ui, validationErrors } = createRecordingUi({ answers: { 'setup.functions': [[], ['billing']] } });
    await expect(ui.ask(functions)).resolves.toEqual(['billing']);
    expect(validationErrors).toEqual([{ code: 'setup.functions', value: [], reason: 'pick at least one' }]);
  });

  it('throws when a single scripted answer is invalid', async () => {
    const { ui, validationErrors } = createRecordingUi({ answers: { 'setup.public-cidr': '10.0.0.0/16' } });
    await expect(ui.ask(cidr)).rejects.toThrow(/setup\.public-cidr.*must be a \/28/);
    expect(validationErrors).toHaveLength(1);
  });

  it('rejects answers that are not enabled choices', async () => {
    const select = createRecordingUi({ answers: { 'setup.vpc': 'vpc-9' } });
    await expect(select.ui.ask(vpc)).rejects.toThrow(/setup\.vpc/);
    const multi = createRecordingUi({ answers: { 'setup.functions': ['legacy'] } });
    await expect(multi.ui.ask(functions)).rejects.toThrow(/setup\.functions/);
  });

  it('calls a function answer with the question', async () => {
    const { ui } = createRecordingUi({
      answers: { 'setup.vpc': (q: Question) => (q.kind === 'select' ? q.choices[1]?.value : undefined) },
    });
    await expect(ui.ask(vpc)).resolves.toBe('vpc-2');
  });

  it('uses defaults only when asked to, and otherwise names the unscripted code', async () => {
    const strict = createRecordingUi();
    await expect(strict.ui.ask(cidr)).rejects.toThrow(/setup\.public-cidr/);
    const lenient = createRecordingUi({ useDefaults: true });
    await expect(lenient.ui.ask(cidr)).resolves.toBe('10.0.200.0/28');
    await expect(lenient.ui.ask(functions)).resolves.toEqual(['orders-api']);
  });

  it('cancels at the named question like Ctrl-C', async () => {
    const { ui } = createRecordingUi({ useDefaults: true, cancelAt: 'setup.confirm' });
    const asking = ui.ask(confirmCreate);
    await expect(asking).rejects.toBeInstanceOf(AbortError);
    await expect(asking).rejects.toMatchObject({ message: 'Cancelled; nothing was changed', changed: false });
  });

  it('throws NO_TERMINAL when not interactive', async () => {
    const { ui, questions } = createRecordingUi({ interactive: false, useDefaults: true });
    expect(ui.interactive).toBe(false);
    const asking = ui.ask(confirmCreate);
    await expect(asking).rejects.toBeInstanceOf(FixedIpError);
    await expect(asking).rejects.toMatchObject({
      code: 'NO_TERMINAL',
      message: 'cannot ask "Create the stack?" without a terminal',
    });
    expect(questions).toHaveLength(1);
  });

  it('records messages, progress events and results', () => {
    const recording = createRecordingUi();
    const { ui } = recording;
    ui.notify({ level: 'info', code: 'setup.who', text: 'Setting up' });
    const nat = ui.progress('setup.nat.wait', 'Creating NAT gateway');
    nat.update('Waiting for NAT gateway');
    nat.succeed('NAT gateway available');
    ui.progress('setup.nat.instance', 'Adding route').warn('Route already there');
    ui.progress('setup.nat.handover', 'Allocating').fail('Limit reached');
    ui.result('plain');
    ui.result('Allowlist this IP: 203.0.113.10', { emphasis: true });

    expect(recording.codes()).toEqual([
      'setup.who',
      'setup.nat.wait:begin',
      'setup.nat.wait:update',
      'setup.nat.wait:succeed',
      'setup.nat.instance:begin',
      'setup.nat.instance:warn',
      'setup.nat.handover:begin',
      'setup.nat.handover:fail',
    ]);
    expect(recording.messages.find((m) => m.code === 'setup.nat.handover:fail')?.level).toBe('error');
    expect(recording.results).toEqual(['plain', 'Allowlist this IP: 203.0.113.10']);
    expect(recording.emphasized).toEqual(['Allowlist this IP: 203.0.113.10']);
  });
});
