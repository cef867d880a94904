#!/usr/bin/env python3
"""Drive a command in a real pseudo-terminal, for the end-to-end tests (test/e2e/pty.test.ts). Not named pty.py: a script named
so would import itself as `pty`.

Reads one JSON object on stdin:
  {
    "argv": ["node", "bin/fixed-ip.js", "setup", "--simulate"],
    "cwd": "/tmp/x",                  # optional
    "env": {"NAME": "value"},         # optional: the whole environment of the child
    "cols": 120, "rows": 40,          # optional: the terminal size
    "timeout": 60,                    # optional: seconds for the whole run
    "steps": [                        # optional: a dialogue, in order
      {"expect": "Which functions", "send": "orders \\r", "timeout": 20, "delay": 0.2},
      {"expect": "Waiting for", "resize": {"cols": 40, "rows": 40}, "mark": true}
    ]
  }
Each step waits until `expect` (a Python regex, searched in the output with escape codes removed,
after the previous step's match) appears, waits `delay` seconds (default 0.15: prompts start
reading keys only once drawn), reads what has arrived, then with `mark` notes how much output the
terminal had drawn by then, with `resize` changes the terminal's size (the kernel sends the command
SIGWINCH, as a terminal window does), and writes `send` to the terminal as keystrokes. After the
steps, it reads until the command exits. Writes one JSON object on stdout:
  {"output": raw text, "text": without escape codes, "exitCode": n or null, "signal": n or null,
   "timedOut": bool, "failedStep": index of the step whose `expect` never came, or null,
   "marks": [characters of output drawn at each mark], "resizes": [{"at": characters of output
   drawn before the resize, "cols": n, "rows": n}]}
Replaying `output` into a terminal emulator, resized at each `at`, gives what the screen showed.
Standard library only, so it runs wherever python3 does.
"""

import codecs
import errno
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def strip(text):
    return ANSI.sub("", text).replace("\r", "")


def main():
    spec = json.load(sys.stdin)
    argv = spec["argv"]
    env = spec.get("env") or dict(os.environ)
    deadline = time.monotonic() + float(spec.get("timeout", 60))

    pid, fd = pty.fork()
    if pid == 0:  # the child: its stdin, stdout and stderr are the terminal
        try:
            if spec.get("cwd"):
                os.chdir(spec["cwd"])
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)

    def set_size(rows, cols):
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", int(rows), int(cols), 0, 0))

    set_size(spec.get("rows", 40), spec.get("cols", 120))

    chunks = []
    marks = []
    resizes = []
    status = None
    # A character split across two reads is decoded whole.
    decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def pump(wait):
        """Reads what is there (waiting up to `wait` seconds); False once the terminal is closed."""
        try:
            ready, _, _ = select.select([fd], [], [], wait)
        except InterruptedError:
            return True
        if not ready:
            return True
        try:
            data = os.read(fd, 65536)
        except OSError as error:
            if error.errno == errno.EIO:  # the child's side closed
                return False
            raise
        if not data:
            return False
        chunks.append(decoder.decode(data))
        return True

    def drain():
        """Reads everything the command has written so far."""
        alive = True
        while alive and select.select([fd], [], [], 0)[0]:
            alive = pump(0)
        return alive

    def drawn():
        return sum(len(chunk) for chunk in chunks)

    def text():
        return strip("".join(chunks))

    open_ = True
    timed_out = False
    failed_step = None
    position = 0
    for index, step in enumerate(spec.get("steps", [])):
        pattern = re.compile(step["expect"]) if step.get("expect") else None
        step_deadline = min(deadline, time.monotonic() + float(step.get("timeout", 30)))
        while pattern is not None:
            match = pattern.search(text(), position)
            if match:
                position = match.end()
                break
            if not open_ or time.monotonic() > step_deadline:
                failed_step = index
                break
            open_ = pump(0.05)
        if failed_step is not None:
            break
        time.sleep(float(step.get("delay", 0.15)))
        open_ = drain() and open_
        if step.get("mark"):
            marks.append(drawn())
        if step.get("resize") and open_:
            size = step["resize"]
            resizes.append({"at": drawn(), "cols": int(size["cols"]), "rows": int(size.get("rows", 40))})
            set_size(size.get("rows", 40), size["cols"])
        if "send" in step and open_:
            os.write(fd, step["send"].encode("utf-8"))

    while True:
        if open_:
            open_ = pump(0.05)
        finished, raw = os.waitpid(pid, os.WNOHANG)
        if finished:
            status = raw
            # Drain what the child wrote just before it exited.
            while open_ and pump(0.05) and select.select([fd], [], [], 0)[0]:
                pass
            break
        if time.monotonic() > deadline or (failed_step is not None and not open_):
            if failed_step is None:
                timed_out = True
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            break
        if failed_step is not None:
            # The dialogue went wrong: do not wait for a prompt nobody will answer.
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            break
        if not open_:
            time.sleep(0.02)

    try:
        os.close(fd)
    except OSError:
        pass
    output = "".join(chunks)
    json.dump(
        {
            "output": output,
            "text": strip(output),
            "exitCode": os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None,
            "timedOut": timed_out,
            "failedStep": failed_step,
            "marks": marks,
            "resizes": resizes,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
