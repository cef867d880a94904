/**
 * The NAT gateway wait, said once for all the gateways a run waits for. Gateways of several zones
 * are created side by side and each waits 1-5 minutes; one spinner per gateway would show only the
 * latest ("+1 more") cut to the terminal's width, losing the explanation and the other names. So
 * the first gateway to wait says why it takes long and what it costs, every gateway is named on a
 * line of its own as it starts waiting, and one short spinner line ("Waiting for 2 NAT gateways:
 * 1 available") counts them and shows the time since the first began, which its last line keeps
 * ("2 NAT gateways are available (1m 40s)").
 * Every line fits 60 columns (the spinner's, elapsed time included).
 */
import type { Progress, Ui } from '../ports/ui.js';

/** One gateway's part in the wait. */
export interface NatWaitMember {
  /** What AWS said of it just now (pending, available, ...). */
  saw(state: string | undefined): void;
  succeed(): void;
  /** It failed, or the wait stopped: the text says which, and what it means for the bill. */
  fail(text: string): void;
  warn(text: string): void;
}

interface Member {
  id: string;
  state: string;
  done: boolean;
}

interface Group {
  progress: Progress;
  members: Member[];
}

/** The wait running in each run (its UI): a gateway that starts waiting while it runs joins it. */
const running = new WeakMap<Ui, Group>();

function text(members: readonly Member[]): string {
  const [only] = members;
  if (members.length === 1 && only) return `Waiting for ${only.id}`;
  const available = members.filter((m) => m.state === 'available').length;
  return `Waiting for ${members.length} NAT gateways: ${available} available`;
}

/**
 * Start waiting for a gateway: `title` names its kind ("NAT gateway", "regional NAT gateway"),
 * `zone` where it is.
 */
export function waitForNat(ui: Ui, title: string, id: string, zone: string | undefined): NatWaitMember {
  const member: Member = { id, state: 'pending', done: false };
  const joined = running.get(ui);
  if (!joined)
    ui.notify({
      code: 'setup.nat.explain',
      level: 'info',
      text: 'A NAT gateway takes 1-5 minutes to become available,\nand is billed by the hour from now. Waiting for:',
    });
  ui.notify({ code: 'setup.nat.member', level: 'info', text: `  ${title} ${id}${zone ? ` (${zone})` : ''}` });
  let current: Group;
  if (joined) {
    current = joined;
    current.members.push(member);
    current.progress.update(text(current.members));
  } else {
    const members = [member];
    current = { members, progress: ui.progress('setup.nat.wait', text(members)) };
    running.set(ui, current);
  }

  const end = (outcome: 'succeed' | 'fail' | 'warn', final: string): void => {
    if (member.done) return;
    member.done = true;
    if (outcome !== 'succeed') {
      // The run stops here: the wait ends with what went wrong, and the others are not waited for.
      if (running.get(ui) === current) running.delete(ui);
      current.progress[outcome](final);
      return;
    }
    member.state = 'available';
    if (current.members.some((m) => !m.done)) {
      current.progress.update(text(current.members));
      return;
    }
    if (running.get(ui) === current) running.delete(ui);
    const count = current.members.length;
    current.progress.succeed(
      count === 1 ? `${title} ${id} is available` : `${count} NAT gateways are available`,
    );
  };
  return {
    saw(state) {
      if (member.done) return;
      member.state = state ?? 'not visible yet';
      current.progress.update(text(current.members));
    },
    succeed: () => end('succeed', ''),
    fail: (final) => end('fail', final),
    warn: (final) => end('warn', final),
  };
}
