"""The scenario suite every Wrenn SDK runs, against the platform named by WRENN_API_URL / WRENN_API_KEY."""

import asyncio
import hashlib
import io
import os
import time
import unittest
import uuid

import wrenn
from wrenn import AsyncSandbox, Sandbox, Templates


class Scenarios(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sandbox = Sandbox.create(metadata={"suite": "python"})

    @classmethod
    def tearDownClass(cls):
        cls.sandbox.kill()

    def test_run_returns_output_and_exit_codes(self):
        result = self.sandbox.commands.run("echo out; echo err >&2; exit 3")
        self.assertEqual((result.stdout, result.stderr, result.exit_code), ("out\n", "err\n", 3))
        self.assertEqual(self.sandbox.commands.run("python3", ["-c", "print(6*7)"]).stdout, "42\n")
        with self.assertRaises(wrenn.CommandExitError):
            self.sandbox.commands.run("false", check=True)

    def test_streams_ten_thousand_lines_in_order(self):
        seen = []
        result = self.sandbox.commands.run("seq 1 10000", on_stdout=seen.append)
        self.assertEqual(result.exit_code, 0)
        self.assertEqual("".join(seen).split(), [str(i) for i in range(1, 10001)])
        self.assertEqual(result.stdout, "".join(seen))

    def test_background_command_can_be_killed(self):
        handle = self.sandbox.commands.run("sleep 60", background=True)
        time.sleep(0.5)
        handle.kill()
        result = handle.wait(timeout=30)
        self.assertNotEqual(result.exit_code, 0)

    def test_stdin_reaches_the_command(self):
        self.assertEqual(self.sandbox.commands.run("tr a-z A-Z", stdin="hello\n").stdout, "HELLO\n")
        handle = self.sandbox.commands.run("cat", background=True)
        handle.send_stdin("one\n")
        handle.send_stdin(b"two\n")
        handle.close_stdin()
        self.assertEqual(handle.wait(timeout=30).stdout, "one\ntwo\n")

    def test_timeouts(self):
        with self.assertRaises(wrenn.TimeoutError):
            self.sandbox.commands.run("sleep 30", timeout=1)

    def test_50_mb_file_round_trip_streams_with_checksum(self):
        size = 50 * 1024 * 1024
        chunk = os.urandom(1024 * 1024)
        digest = hashlib.sha256()

        def produce():
            for _ in range(size // len(chunk)):
                digest.update(chunk)
                yield chunk

        info = self.sandbox.files.write("/home/user/big.bin", produce())
        self.assertEqual(info.size, size)
        back = hashlib.sha256()
        total = 0
        for part in self.sandbox.files.read("/home/user/big.bin", format="stream"):
            back.update(part)
            total += len(part)
        self.assertEqual((total, back.hexdigest()), (size, digest.hexdigest()))
        self.assertEqual(self.sandbox.commands.run("sha256sum /home/user/big.bin | cut -d' ' -f1").stdout.strip(), digest.hexdigest())

    def test_files_write_read_list_exists_make_dir_remove(self):
        self.sandbox.files.write("notes/a.txt", "text")
        self.sandbox.files.write("/home/user/notes/b.bin", b"\x00\x01")
        self.sandbox.files.write("/home/user/notes/c.txt", io.BytesIO(b"from a file object"))
        self.sandbox.files.write_files([("/home/user/notes/d.txt", "d"), ("/home/user/notes/e.txt", "e")])
        self.assertEqual(self.sandbox.files.read("/home/user/notes/a.txt"), "text")
        self.assertEqual(self.sandbox.files.read("/home/user/notes/b.bin", format="bytes"), b"\x00\x01")
        self.assertEqual(sorted(e.name for e in self.sandbox.files.list("/home/user/notes")), ["a.txt", "b.bin", "c.txt", "d.txt", "e.txt"])
        self.assertTrue(self.sandbox.files.exists("/home/user/notes/c.txt"))
        self.assertFalse(self.sandbox.files.exists("/home/user/notes/zzz"))
        self.assertFalse(self.sandbox.files.exists("/no/such/dir/file"))
        self.assertTrue(self.sandbox.files.make_dir("/home/user/made/deep"))
        self.assertFalse(self.sandbox.files.make_dir("/home/user/made/deep"))
        self.sandbox.files.remove("/home/user/notes")
        self.assertFalse(self.sandbox.files.exists("/home/user/notes"))
        with self.assertRaises(wrenn.NotFoundError):
            self.sandbox.files.read("/home/user/notes/a.txt")
        with self.assertRaises(wrenn.ForbiddenError):
            self.sandbox.files.write("/etc/evil", "x")

    def test_list_and_connect(self):
        ids = [s.id for s in Sandbox.list(metadata={"suite": "python"})]
        self.assertIn(self.sandbox.sandbox_id, ids)
        again = Sandbox.connect(self.sandbox.sandbox_id)
        self.assertEqual(again.info().state, "running")
        self.sandbox.ping()
        self.sandbox.set_timeout(0)


class Lifecycle(unittest.TestCase):
    def test_pause_and_resume_keep_state(self):
        with Sandbox.create() as sandbox:
            sandbox.commands.run("echo kept > /tmp/state; nohup sh -c 'i=0; while true; do i=$((i+1)); echo $i > /tmp/counter; sleep 0.05; done' >/dev/null 2>&1 &")
            time.sleep(0.3)
            self.assertEqual(sandbox.pause().state, "paused")
            with self.assertRaises(wrenn.ConflictError):
                sandbox.commands.run("true")
            self.assertEqual(sandbox.resume().state, "running")
            first = int(sandbox.commands.run("cat /tmp/counter").stdout)
            time.sleep(0.3)
            self.assertGreater(int(sandbox.commands.run("cat /tmp/counter").stdout), first)
            self.assertEqual(sandbox.files.read("/tmp/state"), "kept\n")

    def test_template_round_trip(self):
        name = "py-" + uuid.uuid4().hex[:8]
        with Sandbox.create() as sandbox:
            sandbox.files.write("/home/user/from-template.txt", "inside")
            self.assertEqual(sandbox.create_template(name).name, name)
        try:
            self.assertIn(name, [t.name for t in Templates.list()])
            with Sandbox.create(name) as child:
                self.assertEqual(child.files.read("/home/user/from-template.txt"), "inside")
        finally:
            Templates.delete(name)
        self.assertNotIn(name, [t.name for t in Templates.list()])

    def test_errors_for_a_bad_id_and_a_bad_key_and_kill(self):
        with self.assertRaises(wrenn.NotFoundError) as caught:
            Sandbox.connect("sb-0000000000000000")
        self.assertEqual(caught.exception.code, "not_found")
        with self.assertRaises(wrenn.UnauthorizedError):
            Sandbox.list(api_key="wrn_00000000000000000000000000000000")
        sandbox = Sandbox.create()
        sandbox.kill()
        self.assertEqual(sandbox.info().state, "stopped")
        sandbox.kill()

    def test_async_api(self):
        async def scenario():
            async with await AsyncSandbox.create() as sandbox:
                result = await sandbox.commands.run("echo async")
                await sandbox.files.write("/tmp/a.txt", "a")
                return result.stdout, await sandbox.files.read("/tmp/a.txt"), (await sandbox.info()).state

        self.assertEqual(asyncio.run(scenario()), ("async\n", "a", "running"))


if __name__ == "__main__":
    unittest.main()
