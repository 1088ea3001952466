"""The chat engine: one loaded model, any adapter of any run, streamed answers.

``ChatEngine`` loads a model once and attaches, switches and removes adapters
without reloading the base weights (``lorastudio.core.chat.adapters``). It
keeps a conversation (system prompt + turns), renders it with the tokenizer's
chat template or a user-supplied Jinja template, and streams each answer
through mlx-lm's own ``stream_generate`` with mlx-lm's samplers, so a greedy
answer is token for token what ``mlx_lm.generate`` gives. The KV cache of a
conversation is kept between turns: the next prompt only computes the tokens
that differ from what the cache already holds.

Threads: an engine lives on ONE thread for its whole life (the app hosts it on
a long-lived QThread; the command line on the main thread). Build it there,
call every method there, and drop it there: MLX arrays and streams are
thread-local, and the model is evaluated on the building thread so that
generation works there (mlx-facts.md). The single exception is ``stop()``,
which any thread may call; it sets a flag that the streaming loop checks
after every token. Closing a ``Reply`` (or dropping it) stops it too. Only
Python values (str, int, float, frozen dataclasses) leave the engine.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from lorastudio.core.chat.adapters import AdapterError, AdapterSource, Attached, attach, resolve_adapter
from lorastudio.core.chat.settings import AnswerStats, SamplingSettings
from lorastudio.core.chat.template import MODEL_TEMPLATE, ChatTemplateError, has_chat_template, load_chat_template, render_prompt

__all__ = [
    "AdapterError",
    "AnswerStats",
    "ChatEngine",
    "ChatTemplateError",
    "Reply",
    "SamplingSettings",
    "load_chat_template",
]


class Reply:
    """One streamed answer. Iterate it for text pieces; afterwards ``text`` and ``stats`` hold the whole.

    ``close()`` (or dropping it) ends it where it is, like ``ChatEngine.stop()``.
    Use it on the engine's thread.
    """

    def __init__(self, body: Callable[["Reply"], Iterator[str]], adapter: str | None, prompt_tokens: int):
        self.adapter = adapter  # label of the adapter that answers, None for the base model
        self.prompt_tokens = prompt_tokens
        self.text = ""
        self.stats: AnswerStats | None = None
        self.finish_reason: str | None = None
        self._gen = body(self)

    def __iter__(self) -> "Reply":
        return self

    def __next__(self) -> str:
        return next(self._gen)

    def close(self) -> None:
        self._gen.close()

    @property
    def done(self) -> bool:
        return self.stats is not None

    def read(self) -> str:
        """Run to the end; the whole answer."""
        for _ in self:
            pass
        return self.text


def _reusable(cache: list) -> bool:
    """Only plain KV caches are kept across turns: their offset is exactly the tokens they hold."""
    from mlx_lm.models.cache import KVCache

    return bool(cache) and all(type(c) is KVCache for c in cache)


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class ChatEngine:
    """A model loaded once, an optional adapter, a conversation, streamed answers. One thread only (see module doc)."""

    def __init__(
        self,
        model: str | Path,
        adapter: str | Path | None = None,
        *,
        system_prompt: str | None = None,
        chat_template: str | None = None,
        chat_template_source: str = "the given chat template",
        runs_dir: str | Path | None = None,
        reuse_cache: bool = True,
        prefill_step_size: int = 2048,
        progress: Callable[[str, float], None] | None = None,
    ):
        import mlx.core as mx

        from lorastudio.core.models.loading import load_model, resolve_model

        self._thread = threading.get_ident()
        self._stop = threading.Event()
        self.runs_dir = runs_dir
        self.reuse_cache = reuse_cache
        self.prefill_step_size = prefill_step_size
        self.model_path = resolve_model(str(model), progress)
        self.model, self.tokenizer, self.model_config = load_model(self.model_path)
        # Evaluate on this thread: generation here then finds its arrays (mlx-facts.md, Threads).
        mx.eval(self.model.parameters())
        self._adapter: Attached | None = None
        self._template: str | None = None
        self._template_source = MODEL_TEMPLATE
        self._system: str | None = None
        self._history: list[dict] = []
        self._cache: list | None = None
        self._cache_tokens: list[int] = []
        self._active: Reply | None = None
        self.last_stats: AnswerStats | None = None
        self.set_system_prompt(system_prompt)
        if chat_template is not None:
            self.set_chat_template(chat_template, chat_template_source)
        if adapter is not None:
            self.set_adapter(adapter)

    # ------------------------------------------------------------------ state

    def _own(self) -> None:
        if threading.get_ident() != self._thread:
            raise RuntimeError("ChatEngine is used from another thread than the one that built it (MLX arrays are thread-local)")

    @property
    def adapter(self) -> AdapterSource | None:
        """The attached adapter, or None for the base model."""
        return self._adapter.source if self._adapter else None

    @property
    def system_prompt(self) -> str | None:
        return self._system

    @property
    def history(self) -> list[dict]:
        """The conversation so far (without the system prompt), as copies."""
        return [dict(m) for m in self._history]

    @property
    def has_chat_template(self) -> bool:
        return self._template is not None or has_chat_template(self.tokenizer)

    def set_system_prompt(self, text: str | None) -> None:
        """Set (or with None/empty remove) the system prompt; the history stays."""
        self._own()
        self._system = text if text and text.strip() else None

    def clear(self) -> None:
        """Forget the conversation (the system prompt stays)."""
        self._own()
        self._close_active()
        self._history = []

    def stop(self) -> None:
        """Stop the answer being streamed after its current token. Safe from any thread."""
        self._stop.set()

    def close(self) -> None:
        """Let go of the model and its cache (call on the engine's thread)."""
        self._own()
        self._close_active()
        self._cache = None
        self.model = None

    # --------------------------------------------------------------- adapters

    def set_adapter(self, spec: str | Path | AdapterSource | None) -> AdapterSource | None:
        """Attach the adapter ``spec`` names (replacing any other); None or "none" removes it.

        On an error the engine keeps the adapter it had.
        """
        self._own()
        if spec is None or (isinstance(spec, str) and spec.strip().lower() in ("", "none", "base")):
            self.remove_adapter()
            return None
        source = spec if isinstance(spec, AdapterSource) else resolve_adapter(spec, self.runs_dir)
        self._close_active()
        previous = self._adapter
        if previous:
            previous.swap_out(self.model)
        try:
            attached = attach(self.model, source, self.model_path)
        except BaseException:
            if previous:
                previous.swap_in(self.model)
            raise
        self._adapter = attached
        self._drop_cache()
        return source

    def remove_adapter(self) -> None:
        """Back to exactly the base model (its original modules)."""
        self._own()
        self._close_active()
        if self._adapter:
            self._adapter.swap_out(self.model)
            self._adapter = None
            self._drop_cache()

    # --------------------------------------------------------------- template

    def set_chat_template(self, text: str | None, source: str = "the given chat template") -> None:
        """Use a Jinja chat template instead of the model's (None: back to the model's).

        It is parsed and tried on a one-message conversation now, so a broken
        template is reported here rather than at the first message.
        """
        self._own()
        if text is None:
            self._template, self._template_source = None, MODEL_TEMPLATE
            return
        previous = (self._template, self._template_source)
        self._template, self._template_source = text, source
        try:
            self.render([{"role": "user", "content": "Hello"}])
        except ChatTemplateError:
            self._template, self._template_source = previous
            raise

    def render(self, messages: list[dict]) -> tuple[str, list[int]]:
        """The prompt text and tokens for ``messages`` (with the generation prompt), as mlx_lm.generate makes them."""
        return render_prompt(self.tokenizer, messages, self._template, self._template_source, self.model_path.name)

    def _messages(self, turns: list[dict]) -> list[dict]:
        system = [{"role": "system", "content": self._system}] if self._system else []
        return system + [dict(m) for m in turns]

    # ---------------------------------------------------------------- answers

    def send(self, text: str, settings: SamplingSettings | None = None) -> Reply:
        """Add a user message and stream the answer; both join the history as the reply runs."""
        self._own()
        self._close_active()
        turns = self._history + [{"role": "user", "content": text}]
        return self._answer(turns, settings, keep=True)

    def regenerate(self, settings: SamplingSettings | None = None) -> Reply:
        """Answer the last user message again, replacing the last answer."""
        self._own()
        self._close_active()
        turns = list(self._history)
        if turns and turns[-1]["role"] == "assistant":
            turns = turns[:-1]
        if not turns or turns[-1]["role"] != "user":
            raise ValueError("nothing to regenerate: the conversation has no message yet")
        return self._answer(turns, settings, keep=True)

    def compare(self, prompt: str, settings: SamplingSettings | None = None) -> tuple[Reply, Reply]:
        """The base model's and the adapter's answer to one prompt (system prompt, no history).

        Iterate the first, then the second; the base side runs with the adapter's
        modules taken out, so it is exactly the base model. The conversation and
        its cache are left untouched. ``stop()`` ends both sides.
        """
        self._own()
        if self._adapter is None:
            raise ValueError("compare needs an adapter: attach one first")
        self._close_active()
        turns = [{"role": "user", "content": prompt}]
        return self._answer(turns, settings, base=True), self._answer(turns, settings)

    @contextmanager
    def base_model(self):
        """Within the block ``self.model`` is exactly the base model (the adapter's modules taken out)."""
        self._own()
        self._close_active()
        attached = self._adapter
        if attached is not None:
            attached.swap_out(self.model)
        try:
            yield self.model
        finally:
            if attached is not None:
                attached.swap_in(self.model)

    def _close_active(self) -> None:
        if self._active is not None:
            active, self._active = self._active, None
            active.close()

    def _drop_cache(self) -> None:
        self._cache, self._cache_tokens = None, []

    def _answer(self, turns: list[dict], settings, keep: bool = False, base: bool = False) -> Reply:
        """A reply to ``turns``; ``keep``: part of the conversation (history and cache); ``base``: adapter taken out."""
        settings = settings or SamplingSettings()
        settings.check()
        tic = time.perf_counter()
        _, tokens = self.render(self._messages(turns))
        render_s = time.perf_counter() - tic
        self._stop.clear()
        attached = None if self._adapter is None else self._adapter
        label = None if base or attached is None else attached.source.label

        def body(reply: Reply) -> Iterator[str]:
            self._own()
            if self._active is not None and self._active is not reply:
                self._close_active()
            self._active = reply
            # Time to first token counts the prompt rendering, done when the reply was asked for.
            start = time.perf_counter() - render_s
            if base and attached is not None:
                attached.swap_out(self.model)
            failed = False
            try:
                yield from self._stream(reply, tokens, settings, start, keep)
            except BaseException as exc:
                failed = not isinstance(exc, GeneratorExit)
                raise
            finally:
                if base and attached is not None:
                    attached.swap_in(self.model)
                if self._active is reply:
                    self._active = None
                if keep and not failed:
                    self._history = list(turns) + [{"role": "assistant", "content": reply.text}]

        return Reply(body, label, len(tokens))

    def _prompt_cache(self, tokens: list[int], settings: SamplingSettings, keep: bool):
        """A KV cache for this prompt and how many of its leading tokens the cache already holds.

        A conversation's reply takes the conversation's cache (trimmed to what the new
        prompt shares with it) and ``_stream`` hands it back; anything else gets a fresh one.
        """
        from mlx_lm.models.cache import make_prompt_cache, trim_prompt_cache

        if not (keep and self.reuse_cache):
            return make_prompt_cache(self.model), 0
        cache, held = self._cache, self._cache_tokens
        self._cache, self._cache_tokens = None, []
        if cache is None:
            return make_prompt_cache(self.model), 0
        # Feed at least one token (the model must produce logits); with a repetition penalty feed
        # the tokens it looks back on too, so it sees what it would see on a fresh prompt.
        tail = settings.repetition_context_size if settings.repetition_penalty != 1.0 else 1
        reuse = max(0, min(_common_prefix(held, tokens), len(tokens) - tail))
        trim_prompt_cache(cache, len(held) - reuse)
        return cache, reuse

    def _stream(self, reply: Reply, tokens: list[int], settings: SamplingSettings, start: float, keep: bool) -> Iterator[str]:
        import mlx.core as mx
        from mlx_lm.generate import stream_generate

        cache, cached = self._prompt_cache(tokens, settings, keep)
        produced: list[int] = []  # every token generated (the cache has seen each of them)
        answered = 0  # how many of them belong to the answer (a token that arrives after stop() does not)
        pieces: list[str] = []
        last = None
        first_s = None
        finish = "stopped"
        failed = False
        gen = None
        try:
            if settings.seed is not None:
                mx.random.seed(settings.seed)
            if not self._stop.is_set():
                gen = stream_generate(
                    self.model,
                    self.tokenizer,
                    mx.array(tokens[cached:]),
                    max_tokens=settings.max_tokens,
                    sampler=settings.sampler(),
                    logits_processors=settings.logits_processors(),
                    prompt_cache=cache,
                    prefill_step_size=self.prefill_step_size,
                )
                for response in gen:
                    if first_s is None:
                        first_s = time.perf_counter() - start
                    last = response
                    produced.append(response.token)
                    if self._stop.is_set():
                        break
                    answered += 1
                    if response.finish_reason is not None:
                        finish = response.finish_reason
                    if response.text:
                        pieces.append(response.text)
                        yield response.text
        except BaseException as exc:
            failed = not isinstance(exc, GeneratorExit)
            raise
        finally:
            if gen is not None:
                gen.close()
            reply.text = "".join(pieces)
            if finish == "stopped" and answered:
                # The streaming detokenizer may hold back the start of a character: keep it.
                eos = self.tokenizer.eos_token_ids
                whole = self.tokenizer.decode([t for t in produced[:answered] if t not in eos])
                if whole.startswith(reply.text):
                    reply.text = whole
            now = time.perf_counter()
            reply.finish_reason = finish
            reply.stats = self.last_stats = AnswerStats(
                prompt_tokens=len(tokens),
                cached_tokens=cached,
                generated_tokens=len(produced),
                time_to_first_token_s=first_s if first_s is not None else now - start,
                tokens_per_second=last.generation_tps if last else 0.0,
                prompt_tokens_per_second=last.prompt_tps if last else 0.0,
                elapsed_s=now - start,
                finish_reason=finish,
                peak_memory_gb=last.peak_memory if last else 0.0,
            )
            if keep and self.reuse_cache and not failed and _reusable(cache):
                # The cache's offset says how many tokens it holds: the prompt, then what was generated.
                held = tokens + produced
                if cache[0].offset <= len(held):
                    self._cache, self._cache_tokens = cache, held[: cache[0].offset]
