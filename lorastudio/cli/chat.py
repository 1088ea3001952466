"""`lorastudio chat` (an interactive terminal chat) and `lorastudio generate` (one prompt).

Both drive ``lorastudio.core.chat.engine.ChatEngine`` on the main thread. The chat
reads lines from stdin, so it also works with a pipe (``printf 'hi\\n/quit\\n' |
lorastudio chat --model M``); lines starting with / are commands. Ctrl-C
during an answer stops that answer; at the prompt it ends the chat.
"""

from __future__ import annotations

import argparse
import signal
import sys
from contextlib import contextmanager

HELP_TEXT = """Commands:
  /reset            forget the conversation (the system prompt stays)
  /system TEXT      set the system prompt (/system alone removes it)
  /adapter PATH     use another adapter: a run, RUN@best, RUN@N, a folder or a .safetensors file
  /adapter none     back to the base model
  /regen            answer the last message again
  /stats            speed and token counts of the last answer
  /help             this list
  /quit             leave (so do Ctrl-D and Ctrl-C at the prompt)"""


def _add_model_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="model folder or Hugging Face repo id")
    p.add_argument("--adapter", help="adapter: a run folder or name, RUN@best, RUN@N (checkpoint of step N), "
                   "a folder with adapter_config.json + adapters.safetensors, or a NNNNNNN_adapters.safetensors file")
    p.add_argument("--system", help="system prompt")
    p.add_argument("--template", metavar="FILE", help="Jinja chat template file to use instead of the model's")


def _add_sampling_flags(p: argparse.ArgumentParser) -> None:
    from lorastudio.core.chat.engine import SamplingSettings

    d = SamplingSettings()
    g = p.add_argument_group("sampling")
    g.add_argument("--temp", type=float, default=d.temperature, help=f"temperature; 0 is greedy (default {d.temperature:g})")
    g.add_argument("--top-p", type=float, default=d.top_p, help=f"nucleus sampling share, 1 is off (default {d.top_p:g})")
    g.add_argument("--top-k", type=int, default=d.top_k, help=f"sample from the k most likely tokens, 0 is off (default {d.top_k})")
    g.add_argument("--min-p", type=float, default=d.min_p, help=f"minimum probability relative to the top token, 0 is off (default {d.min_p:g})")
    g.add_argument("--repetition-penalty", type=float, default=d.repetition_penalty, help=f"penalty for repeated tokens, 1 is off (default {d.repetition_penalty:g})")
    g.add_argument("-m", "--max-tokens", type=int, default=d.max_tokens, help=f"longest answer in tokens (default {d.max_tokens})")
    g.add_argument("--seed", type=int, default=None, help="random seed for sampling")
    g.add_argument("--stats", action="store_true", help="print token counts and speed after each answer (to stderr)")


def add_commands(sub) -> None:
    p = sub.add_parser(
        "chat",
        help="chat with a model and an adapter in the terminal",
        description="Chat with a model, optionally with a LoRA adapter of any run, streaming the answers. Reads one "
        "message per line from stdin (a pipe works too). Commands: /reset, /system TEXT, /adapter PATH|none, /regen, "
        "/stats, /help, /quit. Ctrl-C stops an answer.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=HELP_TEXT,
    )
    _add_model_flags(p)
    _add_sampling_flags(p)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser(
        "generate",
        help="answer one prompt (with --compare: base model and adapter)",
        description="Answer one prompt with the model (and adapter), streaming it to stdout. With --compare the base "
        "model answers first, then the adapter, each under a label, so the adapter's effect shows.",
    )
    _add_model_flags(p)
    p.add_argument("--prompt", required=True, help="the user message ('-' reads it from stdin)")
    p.add_argument("--compare", action="store_true", help="answer with the base model and with the adapter (needs --adapter)")
    _add_sampling_flags(p)
    p.set_defaults(func=cmd_generate)


# ----------------------------------------------------------------------------


def _settings(args):
    from lorastudio.core.chat.engine import SamplingSettings

    settings = SamplingSettings(
        temperature=args.temp, top_p=args.top_p, top_k=args.top_k, min_p=args.min_p,
        repetition_penalty=args.repetition_penalty, max_tokens=args.max_tokens, seed=args.seed,
    )
    settings.check()
    return settings


def _engine(args):
    from lorastudio.core.chat.engine import ChatEngine, load_chat_template

    template = load_chat_template(args.template) if args.template else None
    engine = ChatEngine(
        args.model, args.adapter, system_prompt=args.system, chat_template=template,
        chat_template_source=f"chat template {args.template}", runs_dir=args.runs_dir,
    )
    if not engine.has_chat_template:
        engine.render([])  # raises the clear "no chat template" error now, not at the first message
    return engine


@contextmanager
def _ctrl_c_stops(engine):
    """While an answer streams, Ctrl-C asks the engine to stop after the current token; twice interrupts."""
    presses = 0

    def handler(signum, frame):
        nonlocal presses
        presses += 1
        if presses > 1:
            raise KeyboardInterrupt
        engine.stop()

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: leave Ctrl-C alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _stream(engine, reply, out, show_stats: bool) -> None:
    with _ctrl_c_stops(engine):
        for piece in reply:
            out.write(piece)
            out.flush()
    out.write("\n")
    if reply.finish_reason == "stopped":
        out.write("[stopped]\n")
    out.flush()
    if show_stats and reply.stats:
        print(reply.stats.summary(), file=sys.stderr)


def cmd_generate(args) -> int:
    settings = _settings(args)
    if args.compare and not args.adapter:
        raise ValueError("--compare needs --adapter (the base model is compared with the adapter)")
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    engine = _engine(args)
    out = sys.stdout
    if args.compare:
        base, tuned = engine.compare(prompt, settings)
        out.write("[base model]\n")
        _stream(engine, base, out, args.stats)
        out.write(f"[adapter: {tuned.adapter}]\n")
        _stream(engine, tuned, out, args.stats)
    else:
        _stream(engine, engine.send(prompt, settings), out, args.stats)
    return 0


def _command(engine, line: str, settings, out, show_stats: bool) -> bool:
    """Run one /command; False when the chat should end."""
    name, _, rest = line[1:].partition(" ")
    name, rest = name.lower(), rest.strip()
    if name in ("quit", "exit", "q"):
        return False
    if name == "reset":
        engine.clear()
        out.write("Conversation cleared.\n")
    elif name == "system":
        engine.set_system_prompt(rest or None)
        out.write(f"System prompt: {rest}\n" if rest else "System prompt removed.\n")
    elif name == "adapter":
        if not rest:
            out.write(f"Adapter: {engine.adapter.describe() if engine.adapter else 'none (base model)'}\n")
        else:
            source = engine.set_adapter(rest)
            out.write(f"Adapter: {source.describe()}\n" if source else "Adapter removed: base model.\n")
    elif name in ("regen", "regenerate"):
        _stream(engine, engine.regenerate(settings), out, show_stats)
    elif name == "stats":
        out.write((engine.last_stats.summary() if engine.last_stats else "No answer yet.") + "\n")
    elif name == "help":
        out.write(HELP_TEXT + "\n")
    else:
        raise ValueError(f"unknown command /{name} (type /help)")
    return True


def cmd_chat(args) -> int:
    settings = _settings(args)
    engine = _engine(args)
    out = sys.stdout
    interactive = sys.stdin.isatty()
    errors = 0
    if interactive:
        try:
            import readline  # noqa: F401  (line editing and history for input())
        except ImportError:
            pass
        what = engine.adapter.describe() if engine.adapter else "no adapter (base model)"
        print(f"Model: {engine.model_path}\nAdapter: {what}\nType a message, or /help.", file=sys.stderr)
    while True:
        try:
            line = input("> " if interactive else "")
        except EOFError:
            break
        except KeyboardInterrupt:
            print(file=sys.stderr)
            break
        line = line.rstrip("\n")
        if not line.strip():
            continue
        try:
            if line.startswith("/"):
                if not _command(engine, line.strip(), settings, out, args.stats):
                    break
            else:
                _stream(engine, engine.send(line, settings), out, args.stats)
        except ValueError as exc:  # bad adapter, template failure, unknown command: say it and go on
            out.flush()
            print(f"lorastudio: {exc}", file=sys.stderr)
            errors += 1
    # Piped input has no one to read the messages: let a script see that something failed.
    return 1 if errors and not interactive else 0
