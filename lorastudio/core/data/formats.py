"""The fine-tuning record formats people bring, recognised and turned into mlx-lm's own.

mlx-lm reads four record shapes (``checks.record_format``: chat, tools,
completions, text). The web's other common shapes are recognised here from a
record's keys and converted, one record at a time, by written rules
(``docs/data.md`` has them with an example each):

- **Alpaca** (``instruction``, ``input``, ``output``, optional ``system`` and
  ``history``): system first, then each ``history`` pair as user/assistant,
  then the instruction (with the input after a blank line) as the user and the
  output as the assistant.
- **ShareGPT** (a list of ``{"from", "value"}`` or ``{"role", "content"}``
  under any key): human/user -> user, gpt/assistant/model -> assistant,
  system -> system, function_call -> an assistant tool call, observation ->
  a tool result; the conversation must start with the user (after a system
  message) and alternate.
- **OpenAI chat with extra keys** (``messages`` whose turns carry keys mlx-lm's
  templates do not know, the legacy ``function`` role or ``functions``): the
  extra keys are dropped, ``function`` becomes ``tool`` and ``functions``
  become ``tools``.
- **Columns** (a CSV, TSV or Parquet row): a mapping names each column's role.

A record that cannot be converted raises ``Rejected`` with a message key of
``messages.TEXTS`` and its values. Plain functions over Python values, any thread.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from .checks import record_format
from .keys import DataKeys

#: Formats that need converting, and mlx-lm's own (``checks.FAMILY``).
FOREIGN = ("alpaca", "sharegpt", "openai")
NATIVE = ("chat", "tools", "completions", "text")

#: The names people know the formats by (the same in both languages).
NAMES = {
    "alpaca": "Alpaca", "sharegpt": "ShareGPT", "openai": "OpenAI chat", "chat": "mlx-lm chat",
    "tools": "mlx-lm chat with tools", "completions": "prompt/completion", "text": "plain text",
    "columns": "table",
}

#: ShareGPT's speakers (``from``) and the role each becomes; LLaMA-Factory's tags included.
SHAREGPT_ROLES = {
    "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "bot": "assistant",
    "model": "assistant", "chatgpt": "assistant", "system": "system", "function_call": "function_call",
    "observation": "tool", "tool": "tool", "function": "tool", "ipython": "tool",
}

#: Message keys a chat template is handed; OpenAI's others (``weight``, ``refusal``, ...) are dropped.
MESSAGE_KEYS = ("role", "content", "tool_calls", "tool_call_id", "name")

#: What a column may be mapped to (``--map column=role``).
COLUMN_ROLES = ("system", "user", "assistant", "prompt", "completion", "text", "ignore")


class Rejected(ValueError):
    """A record that cannot be converted: ``key`` of ``messages.TEXTS`` and its ``values``."""

    def __init__(self, key: str, **values: Any):
        from . import messages

        super().__init__(messages.text(key, "en", **values))
        self.key, self.values = key, values


def is_turns(value: Any, speaker: str, said: str) -> bool:
    return (isinstance(value, list) and bool(value) and isinstance(value[0], dict)
            and speaker in value[0] and said in value[0])


def sharegpt_key(record: dict, keys: DataKeys = DataKeys()) -> str | None:
    """The key holding a ShareGPT conversation: a list of from/value turns, or of role/content
    turns under a key other than the chat key; None when there is none."""
    for key, value in record.items():
        if is_turns(value, "from", "value"):
            return key
    for key, value in record.items():
        if key != keys.chat and is_turns(value, "role", "content"):
            return key
    return None


def _openai_extras(messages: Any, record: dict) -> bool:
    if "functions" in record:
        return True
    if not isinstance(messages, list):
        return False
    for message in messages:
        if isinstance(message, dict) and (message.get("role") == "function" or "function_call" in message
                                          or any(key not in MESSAGE_KEYS for key in message)):
            return True
    return False


def record_kind(record: dict, keys: DataKeys = DataKeys()) -> str | None:
    """The format of one record: one of ``NATIVE`` or ``FOREIGN``, or None when unknown."""
    native = record_format(record, keys)
    if native in ("chat", "tools"):
        return "openai" if _openai_extras(record[keys.chat], record) else native
    if native is not None:
        return native
    if "instruction" in record:
        return "alpaca"
    if sharegpt_key(record, keys) is not None:
        return "sharegpt"
    return None


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise Rejected("convert.not_text", where=where)
    return value


# --- Alpaca ---------------------------------------------------------------------------


def from_alpaca(record: dict) -> dict:
    """An Alpaca record as an mlx-lm chat record."""
    instruction = _text(record.get("instruction"), '"instruction"').strip()
    extra = _text(record.get("input"), '"input"').strip()
    output = _text(record.get("output"), '"output"')
    prompt = f"{instruction}\n\n{extra}" if instruction and extra else instruction or extra
    if not prompt:
        raise Rejected("convert.alpaca_no_instruction")
    if not output.strip():
        raise Rejected("convert.alpaca_no_output")
    messages = []
    system = _text(record.get("system"), '"system"').strip()
    if system:
        messages.append({"role": "system", "content": system})
    history = record.get("history") or []
    if not isinstance(history, list):
        raise Rejected("convert.alpaca_history")
    for pair in history:
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
            raise Rejected("convert.alpaca_history")
        messages.append({"role": "user", "content": _text(pair[0], '"history"')})
        messages.append({"role": "assistant", "content": _text(pair[1], '"history"')})
    messages.append({"role": "user", "content": prompt})
    messages.append({"role": "assistant", "content": output})
    return {"messages": messages}


# --- ShareGPT ---------------------------------------------------------------------------


def _tool_call(value: Any, where: str) -> dict:
    """A ShareGPT function_call turn's value ({"name", "arguments"} as JSON) as an OpenAI tool call."""
    call = value
    if isinstance(value, str):
        try:
            call = json.loads(value)
        except json.JSONDecodeError:
            raise Rejected("convert.function_call", where=where) from None
    if not (isinstance(call, dict) and isinstance(call.get("name"), str)):
        raise Rejected("convert.function_call", where=where)
    arguments = call.get("arguments", {})
    return {"type": "function", "function": {"name": call["name"], "arguments": arguments}}


def _tools(value: Any) -> list | None:
    """A ``tools`` value (LLaMA-Factory keeps it as a JSON string) as mlx-lm's list of tool definitions."""
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise Rejected("convert.tools") from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(tool, dict) for tool in value):
        raise Rejected("convert.tools")
    return [tool if "function" in tool else {"type": "function", "function": tool} for tool in value]


def _sharegpt_turn(turn: Any, where: str) -> tuple[str, Any]:
    if not isinstance(turn, dict):
        raise Rejected("convert.turn_not_object", where=where)
    speaker_key, said_key = ("from", "value") if "from" in turn else ("role", "content")
    speaker = turn.get(speaker_key)
    role = SHAREGPT_ROLES.get(speaker.lower()) if isinstance(speaker, str) else None
    if role is None:
        raise Rejected("convert.unknown_speaker", where=where, speaker=str(speaker),
                       known=", ".join(SHAREGPT_ROLES))
    return role, turn.get(said_key)


def _check_turn_order(role: str, previous: str | None, where: str) -> None:
    """ShareGPT's order: [system] user assistant user ...; a tool call is answered by tool results."""
    if role == "system":
        if previous is not None:
            raise Rejected("convert.system_not_first", where=where)
        return
    if previous in (None, "system"):
        if role != "user":
            raise Rejected("convert.starts_with", where=where, role=role)
        return
    allowed = {"user": ("assistant", "function_call"), "assistant": ("user",),
               "function_call": ("tool",), "tool": ("tool", "assistant", "function_call")}[previous]
    if role not in allowed:
        raise Rejected("convert.order", where=where, role=role, previous=previous)


def from_sharegpt(record: dict, keys: DataKeys = DataKeys()) -> dict:
    """A ShareGPT record as an mlx-lm chat record (with ``tools`` when it calls functions)."""
    key = sharegpt_key(record, keys)
    turns = record.get(key) if key else None
    if not turns:
        raise Rejected("convert.no_turns")
    messages: list[dict] = []
    system = record.get("system")
    previous = None
    if isinstance(system, str) and system.strip():
        messages.append({"role": "system", "content": system.strip()})
        previous = "system"
    for i, turn in enumerate(turns):
        where = f"{key}[{i}]"
        role, said = _sharegpt_turn(turn, where)
        _check_turn_order(role, previous, where)
        previous = role
        if role == "function_call":
            messages.append({"role": "assistant", "tool_calls": [_tool_call(said, where)]})
            continue
        messages.append({"role": role, "content": _text(said, f"{where}.value")})
    if previous != "assistant":
        raise Rejected("convert.ends_with", role=previous or "nothing")
    out: dict = {"messages": messages}
    tools = _tools(record.get("tools"))
    if tools:
        out["tools"] = tools
    return out


# --- OpenAI chat ---------------------------------------------------------------------------


def from_openai(record: dict, keys: DataKeys = DataKeys()) -> dict:
    """An OpenAI fine-tuning chat record as mlx-lm's: extra keys dropped, legacy functions as tools."""
    messages = record.get(keys.chat)
    if not isinstance(messages, list):
        raise Rejected("convert.no_turns")
    out_messages = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise Rejected("convert.turn_not_object", where=f"{keys.chat}[{i}]")
        message = dict(message)
        if message.get("role") == "function":
            message["role"] = "tool"
        if "function_call" in message:
            message["tool_calls"] = [_tool_call(message.pop("function_call"), f"{keys.chat}[{i}]")]
        out_messages.append({key: message[key] for key in MESSAGE_KEYS if key in message})
    out: dict = {"messages": out_messages}
    tools = _tools(record.get("tools") or record.get("functions"))
    if tools:
        out["tools"] = tools
    return out


# --- columns -------------------------------------------------------------------------------


def auto_mapping(columns: Iterable[str]) -> dict[str, str] | None:
    """A column mapping from well-known headers, or None when the headers say nothing."""
    lower = {str(c).strip().lower(): c for c in columns}
    pairs = (("prompt", "completion", "prompt", "completion"), ("question", "answer", "user", "assistant"),
             ("input", "output", "user", "assistant"), ("query", "response", "user", "assistant"),
             ("user", "assistant", "user", "assistant"))
    for ask, answer, ask_role, answer_role in pairs:
        if ask in lower and answer in lower:
            mapping = {lower[ask]: ask_role, lower[answer]: answer_role}
            if "system" in lower and ask_role == "user":
                mapping[lower["system"]] = "system"
            return mapping
    if "text" in lower:
        return {lower["text"]: "text"}
    return None


def check_mapping(mapping: Mapping[str, str], columns: Iterable[str]) -> list[tuple[str, dict]]:
    """What is wrong with a column mapping for these columns, as (message key, values) pairs."""
    columns = list(columns)
    problems = []
    for column, role in mapping.items():
        if column not in columns:
            problems.append(("convert.map_no_column", {"column": column, "columns": ", ".join(map(str, columns))}))
        if role not in COLUMN_ROLES:
            problems.append(("convert.map_role", {"column": column, "role": role, "roles": ", ".join(COLUMN_ROLES)}))
    roles = set(mapping.values()) - {"ignore"}
    if roles & {"prompt", "completion"} and roles & {"system", "user", "assistant"}:
        problems.append(("convert.map_mixed", {}))
    elif "text" in roles and len(roles) > 1:
        problems.append(("convert.map_text", {}))
    elif roles and "text" not in roles and not ({"prompt", "completion"} <= roles or {"user", "assistant"} <= roles):
        problems.append(("convert.map_incomplete", {}))
    elif not roles:
        problems.append(("convert.map_incomplete", {}))
    return problems


def from_columns(row: Mapping[str, Any], mapping: Mapping[str, str]) -> dict:
    """A table row as an mlx-lm record: several columns of one role are joined by a blank line, in mapping order."""
    parts: dict[str, list[str]] = {}
    for column, role in mapping.items():
        if role == "ignore":
            continue
        value = _text(row.get(column), f'column "{column}"')
        if value.strip():
            parts.setdefault(role, []).append(value.strip() if role != "text" else value)
    joined = {role: "\n\n".join(values) for role, values in parts.items()}
    roles = set(mapping.values())
    if "text" in roles:
        if not joined.get("text"):
            raise Rejected("convert.empty_cell", role="text")
        return {"text": joined["text"]}
    ask, answer = ("prompt", "completion") if "prompt" in roles else ("user", "assistant")
    for role in (ask, answer):
        if not joined.get(role):
            raise Rejected("convert.empty_cell", role=role)
    if ask == "prompt":
        return {"prompt": joined["prompt"], "completion": joined["completion"]}
    messages = [{"role": "system", "content": joined["system"]}] if joined.get("system") else []
    messages += [{"role": "user", "content": joined["user"]}, {"role": "assistant", "content": joined["assistant"]}]
    return {"messages": messages}


# --- one record, any format -------------------------------------------------------------------


def convert_record(record: Any, kind: str | None, keys: DataKeys = DataKeys(),
                   mapping: Mapping[str, str] | None = None) -> dict:
    """``record`` (of format ``kind``, None: recognise it) as an mlx-lm record with the default keys."""
    if not isinstance(record, dict):
        raise Rejected("convert.not_object")
    if mapping:
        return from_columns(record, mapping)
    found = record_kind(record, keys)
    if kind is not None and found != kind and not (kind == "openai" and found in ("chat", "tools")):
        raise Rejected("convert.other_format", expected=NAMES.get(kind, kind),
                       found=NAMES.get(found or "", "?"), keys=_keys_list(record))
    if found == "alpaca":
        return from_alpaca(record)
    if found == "sharegpt":
        return from_sharegpt(record, keys)
    if found in ("openai", "chat", "tools"):
        return from_openai(record, keys)
    if found == "completions":
        out = {"prompt": record[keys.prompt], "completion": record[keys.completion]}
        if record.get("tools"):
            out["tools"] = record["tools"]
        return out
    if found == "text":
        return {"text": record[keys.text]}
    raise Rejected("convert.unknown_record", keys=_keys_list(record))


def _keys_list(record: dict) -> str:
    names = ", ".join(f'"{k}"' for k in list(record)[:6])
    return names + (", ..." if len(record) > 6 else "") if record else "none"


def completions_as_chat(record: dict) -> dict:
    """A prompt/completion record as the two-message chat mlx-lm's CompletionsDataset makes of it."""
    out: dict = {"messages": [{"role": "user", "content": record["prompt"]},
                              {"role": "assistant", "content": record["completion"]}]}
    if record.get("tools"):
        out["tools"] = record["tools"]
    return out


def suggested_output(src: str | os.PathLike) -> Path:
    """Where the converted folder goes by default: beside the source, named after it."""
    path = Path(src).expanduser()
    stem = path.name if path.is_dir() or not path.suffix else path.stem
    parent = path.parent if path.exists() else Path.cwd()
    return parent / f"{stem.replace('/', '-')}-mlx"


def convert_command(src: str | os.PathLike) -> str:
    """The command line that converts ``src`` (named in the data check's messages)."""
    import shlex

    return f"lorastudio data convert {shlex.quote(str(src))} {shlex.quote(str(suggested_output(src)))}"
