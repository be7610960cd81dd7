"""The QEMU runtime through the whole platform (control plane, agent, a real VM under software
emulation), driven by the Python SDK: run with

    WRENN_TEST_RUNTIME=qemu scripts/with-platform.sh python3 tests/vm/test_qemu_platform.py
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sdk", "python"))

from wrenn import BadRequestError, Sandbox, Templates  # noqa: E402

COUNTER = "nohup sh -c 'i=0; while true; do i=$((i+1)); echo $i > /dev/shm/counter.new; mv /dev/shm/counter.new /dev/shm/counter; sleep 0.1; done' >/dev/null 2>&1 &"


def counter(sandbox: Sandbox) -> int:
    return int(sandbox.commands.run("cat /dev/shm/counter").stdout.strip())


def runs_on(sandbox: Sandbox) -> bool:
    first = counter(sandbox)
    time.sleep(0.7)
    return counter(sandbox) > first


class QemuPlatformTest(unittest.TestCase):
    def test_vm_sandbox_pauses_resumes_and_templates_keep_memory(self) -> None:
        started = time.monotonic()
        source = Sandbox.create(memory_mb=256, vcpus=1)
        boot = time.monotonic() - started
        children = []
        template = "vm-template-%d" % os.getpid()
        try:
            self.assertIn("cloud-amd64", source.commands.run("uname -r").stdout)
            source.commands.run("echo warmed > /dev/shm/state; " + COUNTER)

            source.pause()
            self.assertEqual("paused", source.info().state)
            source.resume()
            self.assertTrue(runs_on(source), "the counter runs on after pause and resume")

            made = source.create_template(template)
            self.assertTrue(made.raw["keeps_memory"], "a VM template keeps memory")
            self.assertTrue(runs_on(source), "the source runs on after its template is made")

            for _ in range(2):
                started = time.monotonic()
                children.append(Sandbox.create(template))
                print("sandbox from the template in %.2f s (boot was %.2f s)" % (time.monotonic() - started, boot), file=sys.stderr)
            for child in children:
                self.assertEqual("warmed\n", child.files.read("/dev/shm/state"))
                self.assertTrue(runs_on(child), "the template's process runs in its sandboxes")

            with self.assertRaises(BadRequestError):
                Sandbox.create(template, memory_mb=512)
        finally:
            for sandbox in children + [source]:
                sandbox.kill()
            if any(t.name == template for t in Templates.list()):
                Templates.delete(template)


if __name__ == "__main__":
    unittest.main(verbosity=2)
