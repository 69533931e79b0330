"""Tests of the kodex SDK against the real kodex binary.

test/pysdk (go test) runs this file with the SDK installed in a virtual
environment, kodex on PATH, KODEX_HOME pointing at a scripted model and the
working directory a git repository holding screenshot.png, and
KODEX_TEST_EVERYTHING the MCP server server-everything (its index.js). The
model follows conventions (test/pysdk/model_test.go): a command in
backticks is run with the shell tool, then reported ("`CMD` exited with
code N: OUT"); an MCP tool named (mcp__SERVER__TOOL) is called, then
reported ("TOOL said: OUT"); an output schema is answered with an example
of it; anything else with "You said: PROMPT". test/pysdk checks afterwards what reached the model
(the output schema, the images, the configured model).
"""

import asyncio
import importlib.metadata
import json
import os
import signal
import stat
import sys
import tempfile
import threading
import time
import unittest

import kodex
from kodex import (
    AsyncKodex,
    ElicitationRequest,
    ElicitationResponse,
    Kodex,
    KodexError,
    KodexExitedError,
    KodexNotFoundError,
    KodexRPCError,
    TurnInterruptedError,
)

WORK = os.getcwd()


def types(events):
    """The event types, item.updated left out (how many there are depends on
    how the model's text is cut into deltas)."""
    return [e["type"] for e in events if e["type"] != "item.updated"]


class Installed(unittest.TestCase):
    def test_installed_from_the_wheel(self):
        # Imported from the virtual environment, not from the source tree.
        self.assertIn("site-packages", kodex.__file__)
        self.assertEqual(importlib.metadata.version("kodex-sdk"), kodex.__version__)
        files = [str(f) for f in importlib.metadata.files("kodex-sdk") or []]
        self.assertIn("kodex/py.typed", files)
        self.assertEqual(kodex.PROTOCOL_VERSION, 1)


class Approvals(unittest.TestCase):
    def test_accepted_command_runs_and_events_come_in_order(self):
        asked = []

        def on_approval(request):
            asked.append(request)
            return "accept"

        with Kodex(on_approval=on_approval) as k:
            thread = k.start_thread(approval_policy="untrusted", sandbox_mode="workspace-write")
            self.assertIsNone(thread.id)
            events = list(thread.run_streamed("Run `touch approved.txt`").events)

        json.dumps(events)  # plain JSON values
        self.assertEqual(
            types(events),
            ["thread.started", "turn.started", "item.started", "item.completed", "item.started", "item.completed", "turn.completed"],
            events,
        )
        self.assertEqual(events[0]["thread_id"], thread.id)
        started, completed = [e for e in events if e["type"] in ("item.started", "item.completed")][:2]
        self.assertEqual(started["item"]["type"], "command_execution")
        self.assertEqual(started["item"]["status"], "in_progress")
        self.assertEqual(completed["item"]["id"], started["item"]["id"])
        self.assertEqual(completed["item"]["status"], "completed")
        self.assertEqual(completed["item"]["exit_code"], 0)
        self.assertIn("touch approved.txt", completed["item"]["command"])
        answer = [e for e in events if e["type"] == "item.completed"][-1]["item"]
        self.assertEqual(answer["type"], "agent_message")
        self.assertEqual(answer["text"], "`touch approved.txt` exited with code 0")
        # Deltas arrive as item.updated of the message being written, growing.
        updates = [e["item"]["text"] for e in events if e["type"] == "item.updated" and e["item"]["type"] == "agent_message"]
        self.assertTrue(updates and updates[-1] == answer["text"], updates)
        self.assertTrue(all(answer["text"].startswith(u) for u in updates), updates)
        usage = events[-1]["usage"]
        self.assertGreater(usage["input_tokens"], 0)
        self.assertGreater(usage["output_tokens"], 0)

        self.assertEqual(len(asked), 1)
        req = asked[0]
        self.assertEqual(req.kind, "command")
        self.assertIn("touch approved.txt", req.command)
        self.assertEqual(req.thread_id, thread.id)
        self.assertEqual(req.item_id, started["item"]["id"])
        self.assertEqual(os.path.realpath(req.cwd), os.path.realpath(WORK))
        self.assertTrue(os.path.exists(os.path.join(WORK, "approved.txt")))

    def test_patch_approval(self):
        asked = []

        def on_approval(request):
            asked.append(request)
            return "accept"

        patch = "*** Begin Patch\n*** Add File: patched.txt\n+patched by kodex\n*** End Patch"
        with Kodex(on_approval=on_approval) as k:
            thread = k.start_thread(approval_policy="untrusted", sandbox_mode="read-only")
            result = thread.run("Apply this patch:\n" + patch)
        self.assertEqual([r.kind for r in asked], ["file_change"])
        self.assertIsNone(asked[0].command)
        self.assertEqual([os.path.basename(c["path"]) for c in asked[0].changes], ["patched.txt"])
        changes = [i for i in result.items if i["type"] == "file_change"]
        self.assertEqual(len(changes), 1, result.items)
        self.assertEqual(changes[0]["id"], asked[0].item_id)
        self.assertEqual(changes[0]["status"], "completed")
        self.assertEqual([(os.path.basename(c["path"]), c["kind"]) for c in changes[0]["changes"]], [("patched.txt", "add")])
        self.assertTrue(result.final_response.startswith("apply_patch said: "), result.final_response)
        with open(os.path.join(WORK, "patched.txt")) as f:
            self.assertEqual(f.read(), "patched by kodex\n")

    def test_without_a_callback_requests_are_declined(self):
        with Kodex() as k:
            result = k.start_thread(approval_policy="untrusted").run("Run `touch declined.txt`")
        commands = [i for i in result.items if i["type"] == "command_execution"]
        self.assertEqual([c["status"] for c in commands], ["failed"], result.items)
        self.assertNotIn("exit_code", commands[0])
        self.assertIn("was not run", result.final_response)
        self.assertFalse(os.path.exists(os.path.join(WORK, "declined.txt")))

    def test_thread_callback_wins_and_bools_answer(self):
        with Kodex(on_approval=lambda r: "decline") as k:
            thread = k.start_thread(approval_policy="untrusted", sandbox_mode="workspace-write", on_approval=lambda r: True)
            result = thread.run("Run `touch by-thread.txt`")
        self.assertEqual(result.final_response, "`touch by-thread.txt` exited with code 0")
        self.assertTrue(os.path.exists(os.path.join(WORK, "by-thread.txt")))

    def test_prefix_rule(self):
        # Accepted with the prefix rule the model proposed, the next command
        # that starts with it runs outside the sandbox without asking.
        asked = []

        def on_approval(request):
            asked.append(request)
            return "acceptWithPrefixRule"

        with Kodex(on_approval=on_approval) as k:
            thread = k.start_thread(approval_policy="on-request", sandbox_mode="workspace-write")
            first = thread.run("Run `mkdir -p ../prefixed-a`, and allow `mkdir -p`")
            second = thread.run("Run `mkdir -p ../prefixed-b`, and allow `mkdir -p`")
        self.assertEqual([r.proposed_prefix_rule for r in asked], [["mkdir", "-p"]])
        self.assertEqual(first.final_response, "`mkdir -p ../prefixed-a` exited with code 0")
        self.assertEqual(second.final_response, "`mkdir -p ../prefixed-b` exited with code 0")
        for d in ("prefixed-a", "prefixed-b"):
            self.assertTrue(os.path.isdir(os.path.join(WORK, "..", d)), d)

    def test_prefix_rule_without_a_proposal(self):
        with Kodex(on_approval=lambda r: "accept_with_prefix_rule") as k:
            thread = k.start_thread(approval_policy="untrusted")
            with self.assertRaisesRegex(KodexError, "proposed no prefix rule"):
                thread.run("Run `touch no-rule.txt`")
        self.assertFalse(os.path.exists(os.path.join(WORK, "no-rule.txt")))

    def test_a_callback_that_raises_stops_the_turn(self):
        def boom(request):
            raise ValueError("no way")

        with Kodex(on_approval=boom) as k:
            thread = k.start_thread(approval_policy="untrusted")
            with self.assertRaises(ValueError):
                thread.run("Run `touch raised.txt`")
            # The turn was interrupted: the thread takes the next one.
            self.assertEqual(thread.run("still there?").final_response, "You said: still there?")
        self.assertFalse(os.path.exists(os.path.join(WORK, "raised.txt")))


class Turns(unittest.TestCase):
    def test_structured_output(self):
        schema = {
            "type": "object",
            "properties": {"kodex_sdk_test_answer": {"type": "string"}},
            "required": ["kodex_sdk_test_answer"],
            "additionalProperties": False,
        }
        with Kodex() as k:
            result = k.start_thread().run("Answer in JSON", output_schema=schema)
        self.assertEqual(json.loads(result.final_response), {"kodex_sdk_test_answer": "the kodex_sdk_test_answer"})

    def test_images(self):
        with Kodex() as k:
            result = k.start_thread().run(
                [
                    {"type": "text", "text": "Compare these images"},
                    {"type": "local_image", "path": "screenshot.png"},
                    {"type": "image", "url": "https://example.com/kodex-sdk-test.png"},
                ]
            )
        self.assertEqual(result.final_response, "You said: Compare these images (and sent 2 images)")

    def test_config_reaches_kodex(self):
        config = {
            "model": "kodex-sdk-test-model",
            "model_reasoning_effort": "high",
            "sandbox_workspace_write": {"network_access": True},  # a dotted key
        }
        with Kodex(config=config) as k:
            self.assertEqual(k.start_thread().run("Which model are you?").final_response, "You said: Which model are you?")
            thread = k.start_thread(model_reasoning_effort="low")
            self.assertEqual(thread.run("Think a little").final_response, "You said: Think a little")

    def test_env_replaces_the_environment(self):
        env = {k: os.environ[k] for k in ("PATH", "HOME", "KODEX_HOME", "OPENAI_API_KEY", "TMPDIR")}
        with Kodex(env=env) as k:
            self.assertEqual(k.start_thread().run("hi").final_response, "You said: hi")
        env["KODEX_HOME"] = tempfile.mkdtemp()  # no config: no model to talk to
        with Kodex(env=env) as k:
            with self.assertRaises(KodexError):
                k.start_thread().run("hi")

    def test_resume_in_another_process(self):
        with Kodex() as k:
            first = k.start_thread()
            first.run("first turn")
        with Kodex() as k:
            thread = k.resume_thread(first.id)
            self.assertEqual(thread.id, first.id)
            events = list(thread.run_streamed("second turn"))
        self.assertEqual(events[0], {"type": "thread.started", "thread_id": first.id})
        self.assertEqual(events[-1]["type"], "turn.completed")

    def test_two_turns_on_one_thread(self):
        with Kodex() as k:
            thread = k.start_thread()
            a = thread.run("one")
            events = list(thread.run_streamed("two"))
        self.assertEqual(a.final_response, "You said: one")
        # thread.started opens only the first turn.
        self.assertEqual(types(events), ["turn.started", "item.started", "item.completed", "turn.completed"])

    def test_interrupt_from_another_thread(self):
        approved = threading.Event()

        def on_approval(request):
            approved.set()
            return "accept"

        with Kodex(on_approval=on_approval) as k:
            thread = k.start_thread(approval_policy="untrusted")

            def interrupt():
                approved.wait()
                thread.interrupt()

            helper = threading.Thread(target=interrupt)
            helper.start()
            began = time.monotonic()
            with self.assertRaises(TurnInterruptedError):
                thread.run("Run `sleep 30`")
            helper.join()
            self.assertLess(time.monotonic() - began, 25)
            self.assertEqual(thread.run("after").final_response, "You said: after")

    def test_leaving_the_events_early_interrupts_the_turn(self):
        with Kodex() as k:
            thread = k.start_thread()
            began = time.monotonic()
            for event in thread.run_streamed("Run `sleep 30`").events:
                if event["type"] == "item.started":
                    break
            # The turn was interrupted, so the thread takes another at once.
            self.assertEqual(thread.run("next").final_response, "You said: next")
            self.assertLess(time.monotonic() - began, 25)


class Threads(unittest.TestCase):
    def test_fork_list_archive_delete(self):
        with Kodex() as k:
            original = k.start_thread()
            original.run("the original")
            fork = k.fork_thread(original.id)
            self.assertNotIn(fork.id, (None, original.id))
            self.assertEqual(fork.run("the fork").final_response, "You said: the fork")

            listed = k.list_threads(working_directory=WORK, limit=100)
            ids = [t.id for t in listed]
            self.assertIn(original.id, ids)
            self.assertIn(fork.id, ids)
            info = listed.data[ids.index(fork.id)]
            self.assertEqual(os.path.realpath(info.cwd), os.path.realpath(WORK))
            self.assertGreater(info.created_at, 0)

            k.archive_thread(fork.id)
            self.assertNotIn(fork.id, [t.id for t in k.list_threads(limit=100)])
            self.assertIn(fork.id, [t.id for t in k.list_threads(archived=True, limit=100)])
            self.assertEqual(k.unarchive_thread(fork.id).id, fork.id)
            self.assertIn(fork.id, [t.id for t in k.list_threads(limit=100)])
            k.delete_thread(fork.id)
            self.assertNotIn(fork.id, [t.id for t in k.list_threads(limit=100)])
            self.assertNotIn(fork.id, [t.id for t in k.list_threads(archived=True, limit=100)])

    def test_pages(self):
        with Kodex() as k:
            for i in range(3):
                k.start_thread().run("page %d" % i)
            first = k.list_threads(limit=2)
            self.assertEqual(len(first), 2)
            self.assertIsNotNone(first.next_cursor)
            second = k.list_threads(limit=2, cursor=first.next_cursor)
            self.assertFalse({t.id for t in first} & {t.id for t in second})


class Errors(unittest.TestCase):
    def test_missing_binary(self):
        with self.assertRaises(KodexNotFoundError) as cm:
            Kodex(kodex_path=os.path.join(WORK, "no-such-kodex"))
        self.assertIn("no-such-kodex", str(cm.exception))
        with self.assertRaises(KodexNotFoundError) as cm:
            Kodex(env={"PATH": tempfile.mkdtemp()})
        self.assertIn("PATH", str(cm.exception))

    def test_binary_that_exits(self):
        script = os.path.join(tempfile.mkdtemp(), "kodex")
        with open(script, "w") as f:
            f.write("#!/bin/sh\necho 'kodex: config.toml is broken' >&2\nexit 3\n")
        os.chmod(script, stat.S_IRWXU)
        k = Kodex(kodex_path=script)
        with self.assertRaises(KodexExitedError) as cm:
            k.start_thread().run("hi")
        self.assertEqual(cm.exception.exit_code, 3)
        self.assertIn("config.toml is broken", str(cm.exception))
        k.close()

    def test_kodex_dying_mid_turn(self):
        # kodex, through a wrapper that notes its pid (exec keeps it).
        d = tempfile.mkdtemp()
        wrapper, pidfile = os.path.join(d, "kodex"), os.path.join(d, "pid")
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\necho $$ > "%s"\nexec kodex "$@"\n' % pidfile)
        os.chmod(wrapper, stat.S_IRWXU)

        def kill(request):
            with open(pidfile) as f:
                os.kill(int(f.read()), signal.SIGKILL)
            return "accept"

        k = Kodex(kodex_path=wrapper, on_approval=kill)
        thread = k.start_thread(approval_policy="untrusted")
        with self.assertRaises(KodexExitedError) as cm:
            thread.run("Run `touch never.txt`")
        self.assertEqual(cm.exception.exit_code, -signal.SIGKILL)
        self.assertIn("exited", str(cm.exception))
        with self.assertRaises(KodexExitedError):
            k.list_threads()
        k.close()

    def test_json_rpc_error(self):
        with Kodex() as k:
            with self.assertRaises(KodexRPCError) as cm:
                k.resume_thread("no-such-thread").run("hi")
        self.assertEqual(cm.exception.code, -32602)
        self.assertEqual(cm.exception.method, "thread/resume")

    def test_outside_a_git_repository(self):
        outside = tempfile.mkdtemp()
        with Kodex() as k:
            with self.assertRaises(KodexError) as cm:
                k.start_thread(working_directory=outside).run("hi")
            self.assertIn("skip_git_repo_check", str(cm.exception))
            result = k.start_thread(working_directory=outside, skip_git_repo_check=True).run("hi")
        self.assertEqual(result.final_response, "You said: hi")

    def test_closed_client(self):
        k = Kodex()
        thread = k.start_thread()
        thread.run("hi")
        k.close()
        with self.assertRaises(KodexError):
            thread.run("again")


# server-everything's tool that asks for a form (elicitation), as kodex names it.
ELICIT = "mcp__ev__trigger-elicitation-request"


def everything(**kwargs):
    """A Kodex with server-everything as MCP server "ev", and the wire log
    of what the SDK sent kodex (a wrapper tees kodex's stdin)."""
    server = os.environ["KODEX_TEST_EVERYTHING"]
    d = tempfile.mkdtemp()
    wrapper, log = os.path.join(d, "kodex"), os.path.join(d, "stdin.jsonl")
    with open(wrapper, "w") as f:
        f.write('#!/bin/sh\ntee -a "%s" | kodex "$@"\n' % log)
    os.chmod(wrapper, stat.S_IRWXU)
    config = {"mcp_servers": {"ev": {"command": "node", "args": [server, "stdio"]}}}
    return Kodex(kodex_path=wrapper, config=config, **kwargs), log


def form_answers(log):
    """The answers the SDK sent kodex (every response: the only requests
    kodex makes in these tests are forms)."""
    with open(log) as f:
        msgs = [json.loads(line) for line in f if line.strip()]
    return [m for m in msgs if "method" not in m]


def check_answer(test, msg, schema):
    """msg is a JSON-RPC result in the shape kodex reads and Codex's
    McpServerElicitationRequestResponse has ({action, content?}, no error),
    and accepted content follows the form's schema."""
    test.assertNotIn("error", msg)
    result = msg["result"]
    test.assertLessEqual(set(result), {"action", "content"}, result)
    test.assertIn(result["action"], ("accept", "decline", "cancel"))
    if result["action"] != "accept":
        test.assertNotIn("content", result)
        return
    content, props = result["content"], schema["properties"]
    test.assertIsInstance(content, dict)
    for name in schema.get("required", []):
        test.assertIn(name, content)
    types = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "array": list}
    for name, value in content.items():
        test.assertIn(name, props)
        test.assertIsInstance(value, types[props[name]["type"]], name)
        if "enum" in props[name]:
            test.assertIn(value, props[name]["enum"])


class Elicitation(unittest.TestCase):
    def test_accepted_form_reaches_the_server_and_the_model(self):
        asked = []

        def on_elicitation(request):
            asked.append(request)
            return ElicitationResponse.accept({"name": "Ada Lovelace", "integer": 7})

        k, log = everything(on_elicitation=on_elicitation)
        with k:
            thread = k.start_thread()
            result = thread.run("Sign me up with %s please" % ELICIT)
        self.assertEqual(len(asked), 1)
        req = asked[0]
        self.assertIsInstance(req, ElicitationRequest)
        self.assertEqual((req.server_name, req.mode, req.thread_id), ("ev", "form", thread.id))
        self.assertTrue(req.turn_id)
        self.assertEqual(req.message, "Please provide inputs for the following fields:")
        self.assertEqual(req.requested_schema["required"], ["name"])
        self.assertEqual(req.requested_schema["properties"]["name"]["type"], "string")
        # The model's next request carries the server's answer to the form.
        self.assertTrue(result.final_response.startswith(ELICIT + " said: "), result.final_response)
        self.assertIn("- Name: Ada Lovelace", result.final_response)
        self.assertIn("- Favorite Integer: 7", result.final_response)
        calls = [i for i in result.items if i["type"] == "mcp_tool_call"]
        self.assertEqual([(c["server"], c["status"]) for c in calls], [("ev", "completed")])
        answers = form_answers(log)
        self.assertEqual([a["result"] for a in answers], [{"action": "accept", "content": {"name": "Ada Lovelace", "integer": 7}}])
        check_answer(self, answers[0], req.requested_schema)

    def test_without_a_callback_forms_are_declined(self):
        k, log = everything()
        with k:
            result = k.start_thread().run("Ask me with %s" % ELICIT)
        self.assertIn("User declined", result.final_response)
        answers = form_answers(log)
        self.assertEqual([a["result"] for a in answers], [{"action": "decline"}])

    def test_thread_callback_wins_and_shorthands_answer(self):
        k, log = everything(on_elicitation=lambda r: {"name": "from the client callback"})
        with k:
            cancelled = k.start_thread(on_elicitation=lambda r: "cancel").run("Ask me with %s" % ELICIT)
            accepted = k.start_thread().run("Ask me again with %s" % ELICIT)
        self.assertIn("User cancelled", cancelled.final_response)
        self.assertIn("- Name: from the client callback", accepted.final_response)
        results = [a["result"] for a in form_answers(log)]
        self.assertEqual(results, [{"action": "cancel"}, {"action": "accept", "content": {"name": "from the client callback"}}])

    def test_a_callback_that_raises_declines_and_stops_the_turn(self):
        def boom(request):
            raise ValueError("no form today")

        k, log = everything(on_elicitation=boom)
        with k:
            thread = k.start_thread()
            with self.assertRaises(ValueError):
                thread.run("Ask me with %s" % ELICIT)
            # As with on_approval: the form was declined, the turn
            # interrupted, and the client and thread go on.
            self.assertEqual(thread.run("still there?").final_response, "You said: still there?")
        self.assertEqual([a["result"] for a in form_answers(log)], [{"action": "decline"}])

    def test_a_bad_answer_declines(self):
        k, log = everything(on_elicitation=lambda r: 42)
        with k:
            thread = k.start_thread()
            with self.assertRaises(KodexError):
                thread.run("Ask me with %s" % ELICIT)
        self.assertEqual([a["result"] for a in form_answers(log)], [{"action": "decline"}])

    def test_async_callback(self):
        asyncio.run(self._async_callback())

    async def _async_callback(self):
        asked = []

        async def on_elicitation(request):
            asked.append(request.server_name)
            await asyncio.sleep(0)
            return ElicitationResponse.accept({"name": "Grace Hopper"})

        server = os.environ["KODEX_TEST_EVERYTHING"]
        config = {"mcp_servers": {"ev": {"command": "node", "args": [server, "stdio"]}}}
        async with AsyncKodex(config=config, on_elicitation=on_elicitation) as k:
            result = await k.start_thread().run("Sign me up with %s" % ELICIT)
            self.assertIn("- Name: Grace Hopper", result.final_response)
            declined = await k.start_thread(on_elicitation=lambda r: ElicitationResponse.decline()).run("Ask me with %s" % ELICIT)
            self.assertIn("User declined", declined.final_response)
        self.assertEqual(asked, ["ev"])


class Async(unittest.TestCase):
    def test_async_api(self):
        asyncio.run(self._async_api())

    async def _async_api(self):
        asked = []

        async def on_approval(request):
            asked.append(request.command)
            return "acceptForSession"

        async with AsyncKodex(on_approval=on_approval) as k:
            thread = k.start_thread(approval_policy="untrusted", sandbox_mode="workspace-write")
            streamed = await thread.run_streamed("Run `touch async.txt`")
            events = [e async for e in streamed.events]
            self.assertEqual(
                types(events),
                ["thread.started", "turn.started", "item.started", "item.completed", "item.started", "item.completed", "turn.completed"],
            )
            self.assertEqual(len(asked), 1)
            self.assertTrue(os.path.exists(os.path.join(WORK, "async.txt")))
            # Accepted for the session: the same command is not asked again.
            result = await thread.run("Run `touch async.txt`")
            self.assertEqual(result.final_response, "`touch async.txt` exited with code 0")
            self.assertEqual(len(asked), 1)

            # Threads run concurrently on one kodex.
            a, b = k.start_thread(), k.start_thread()
            ra, rb = await asyncio.gather(a.run("alpha"), b.run("beta"))
            self.assertEqual((ra.final_response, rb.final_response), ("You said: alpha", "You said: beta"))

            fork = await k.fork_thread(a.id)
            self.assertEqual((await fork.run("forked")).final_response, "You said: forked")
            await k.archive_thread(fork.id)
            archived = await k.list_threads(archived=True, limit=100)
            self.assertIn(fork.id, [t.id for t in archived])

            with self.assertRaises(KodexRPCError):
                await k.resume_thread("no-such-thread").run("hi")

    def test_cancelling_a_run_interrupts_its_turn(self):
        asyncio.run(self._cancel())

    async def _cancel(self):
        approved = asyncio.Event()

        def on_approval(request):
            approved.set()
            return "accept"

        async with AsyncKodex(on_approval=on_approval) as k:
            thread = k.start_thread(approval_policy="untrusted")
            began = time.monotonic()
            task = asyncio.ensure_future(thread.run("Run `sleep 30`"))
            await approved.wait()
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task
            self.assertEqual((await thread.run("after")).final_response, "You said: after")
            self.assertLess(time.monotonic() - began, 25)

    def test_interrupt(self):
        asyncio.run(self._interrupt())

    async def _interrupt(self):
        async with AsyncKodex() as k:
            thread = k.start_thread()
            streamed = await thread.run_streamed("Run `sleep 30`")
            seen = []
            async for event in streamed.events:
                seen.append(event)
                if event["type"] == "item.started":
                    await thread.interrupt()
            self.assertEqual(seen[-1], {"type": "turn.failed", "error": {"message": "turn aborted: interrupted"}})


if __name__ == "__main__":
    sys.exit(unittest.main(verbosity=2))
