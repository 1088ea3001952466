"""Rules for one parsed dataset record: which format it is and what is wrong with it.

``datasets.py`` reads the files and calls these on every parsed line; the rules
mirror what mlx-lm's dataset classes (``mlx_lm/tuner/datasets.py``) and the
model's chat template will do with the record later, so that a bad example is
named here with its line instead of failing in the middle of training.
A problem is a message key of ``messages.TEXTS`` and its values, so that the
app can say it in Chinese. Plain functions over Python values, any thread, no
imports beyond the standard library and ``messages``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .keys import DataKeys

#: (message key, values, severity) with severity "error" or "warning"; datasets.py adds file and line.
Issue = tuple[str, dict, str]

ROLES = ("system", "user", "assistant", "tool")

#: The dataset class a format ends up in: chat records with and without tools
#: are both read by mlx-lm's ChatDataset, so they may share a file.
FAMILY = {"chat": "chat", "tools": "chat", "completions": "completions", "text": "text"}


def json_kind(value: Any) -> str:
    """The JSON name of a value's type ("null", "boolean", "array", ...), a key of ``messages.TYPES``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _issue(key: str, severity: str = "error", **values: Any) -> Issue:
    return key, values, severity


def record_format(record: dict, keys: DataKeys) -> str | None:
    """The format mlx-lm's ``create_dataset`` would pick for this record, or None.

    Same precedence as mlx-lm: prompt+completion first, then the chat key,
    then the text key. A chat record with a non-empty ``tools`` list is "tools".
    """
    if keys.prompt in record and keys.completion in record:
        return "completions"
    if keys.chat in record:
        return "tools" if record.get("tools") else "chat"
    if keys.text in record:
        return "text"
    return None


def check_record(record: dict, keys: DataKeys) -> list[Issue]:
    """Everything wrong with one record (an already parsed JSON object)."""
    fmt = record_format(record, keys)
    if fmt is None:
        return [_missing_keys(record, keys)]
    issues: list[Issue] = []
    if fmt == "completions":
        _check_completions(record, keys, issues)
        if keys.chat in record:
            issues.append(_issue("record.both_formats", "warning", chat=keys.chat, prompt=keys.prompt,
                                 completion=keys.completion))
    elif fmt == "text":
        text = record[keys.text]
        if not isinstance(text, str):
            issues.append(_issue("value.string", where=f'"{keys.text}"', got=json_kind(text)))
        elif not text:
            # mlx-lm's TextDataset indexes the last token: an empty text crashes it.
            issues.append(_issue("text.empty", field=keys.text))
    else:
        _check_tools(record.get("tools"), issues)
        _check_messages(record[keys.chat], keys.chat, "tools" in record and bool(record["tools"]), issues)
    return issues


def _missing_keys(record: dict, keys: DataKeys) -> Issue:
    if keys.prompt in record:
        return _issue("record.missing_key", missing=keys.completion, present=keys.prompt)
    if keys.completion in record:
        return _issue("record.missing_key", missing=keys.prompt, present=keys.completion)
    names = dict(chat=keys.chat, prompt=keys.prompt, completion=keys.completion, text=keys.text)
    if not record:
        return _issue("record.no_keys", **names)
    found = ", ".join(f'"{k}"' for k in list(record)[:6])
    if len(record) > 6:
        found += ", ..."
    return _issue("record.no_format_key", found=found, **names)


def _check_completions(record: dict, keys: DataKeys, issues: list[Issue]) -> None:
    for key in (keys.prompt, keys.completion):
        value = record[key]
        if not isinstance(value, str):
            issues.append(_issue("value.string", where=f'"{key}"', got=json_kind(value)))
    completion = record[keys.completion]
    if isinstance(completion, str) and not completion.strip():
        issues.append(_issue("completion.empty", "warning", field=keys.completion))
    _check_tools(record.get("tools"), issues)


def _check_tools(tools: Any, issues: list[Issue]) -> None:
    """``tools`` is handed to the chat template as is: a list of tool definitions."""
    if tools is None:
        return
    if not isinstance(tools, list):
        issues.append(_issue("tools.not_array", got=json_kind(tools)))
        return
    for i, tool in enumerate(tools):
        where = f"tools[{i}]"
        if not isinstance(tool, dict):
            issues.append(_issue("value.object", where=where, got=json_kind(tool)))
        elif "function" in tool:
            function = tool["function"]
            if not isinstance(function, dict):
                issues.append(_issue("value.object", where=f"{where}.function", got=json_kind(function)))
            elif not isinstance(function.get("name"), str):
                issues.append(_issue("value.string", where=f"{where}.function.name", got=json_kind(function.get("name"))))
        elif not isinstance(tool.get("name"), str):
            issues.append(_issue("tools.shape", where=where))


def _check_tool_calls(calls: list, where: str, issues: list[Issue]) -> None:
    for j, call in enumerate(calls):
        at = f"{where}.tool_calls[{j}]"
        if not isinstance(call, dict):
            issues.append(_issue("value.object", where=at, got=json_kind(call)))
            continue
        function = call.get("function")
        if not isinstance(function, dict):
            if "function" in call:
                issues.append(_issue("tool_call.function", where=at, got=json_kind(function)))
            else:
                issues.append(_issue("tool_call.no_function", where=at))
            continue
        if not isinstance(function.get("name"), str):
            issues.append(_issue("value.string", where=f"{at}.function.name", got=json_kind(function.get("name"))))
        if "arguments" in function and not isinstance(function["arguments"], (str, dict)):
            issues.append(_issue("value.string_or_object", where=f"{at}.function.arguments",
                                 got=json_kind(function["arguments"])))


def _check_messages(messages: Any, key: str, has_tools: bool, issues: list[Issue]) -> None:
    if not isinstance(messages, list):
        issues.append(_issue("messages.not_array", field=key, got=json_kind(messages)))
        return
    if not messages:
        issues.append(_issue("messages.empty", field=key))
        return
    prev: str | None = None  # role of the previous message; "?" when it was unreadable
    prev_calls = False
    last_role: str | None = None
    saw_assistant = False
    for i, message in enumerate(messages):
        where = f"{key}[{i}]"
        role = _check_message(message, where, issues)
        if role is None:
            prev, prev_calls, last_role = "?", False, None
            continue
        calls = bool(message.get("tool_calls")) and isinstance(message.get("tool_calls"), list)
        if calls and not has_tools:
            issues.append(_issue("tool_calls.no_tools", "warning", where=where))
        order = _order_problem(i, prev, prev_calls, role)
        if order:
            order_key, values = order
            issues.append(_issue(order_key, where=where, **values))
        last_role = role
        if role == "system" and i > 0:
            continue  # reported; judge the next message against the one before it
        prev, prev_calls = role, calls
        saw_assistant = saw_assistant or role == "assistant"
    # mlx-lm trains on the whole conversation, or with mask_prompt on the last
    # message only: without an assistant answer there is nothing to learn.
    if not saw_assistant:
        issues.append(_issue("messages.no_assistant", field=key))
    elif last_role is not None and last_role != "assistant":
        issues.append(_issue("messages.last_not_assistant", where=f"{key}[{len(messages) - 1}]", role=last_role))


def _check_message(message: Any, where: str, issues: list[Issue]) -> str | None:
    """Check one message's shape; return its role, or None if it has no usable role."""
    if not isinstance(message, dict):
        issues.append(_issue("message.not_object", where=where, got=json_kind(message)))
        return None
    if "role" not in message:
        issues.append(_issue("message.missing_key", where=where, name="role"))
        return None
    role = message["role"]
    if not isinstance(role, str):
        issues.append(_issue("value.string", where=f"{where}.role", got=json_kind(role)))
        return None
    if role not in ROLES:
        issues.append(_issue("message.unknown_role", where=where, role=role))
        return None
    calls = message.get("tool_calls")
    if calls is not None:
        if role != "assistant":
            issues.append(_issue("tool_calls.not_assistant", where=where, role=role))
        elif not isinstance(calls, list):
            issues.append(_issue("value.array", where=f"{where}.tool_calls", got=json_kind(calls)))
        else:
            _check_tool_calls(calls, where, issues)
    # Even a malformed tool_calls (reported above) means the turn needs no text.
    has_calls = role == "assistant" and calls is not None and calls != []
    if "content" not in message or message["content"] is None:
        # An assistant turn that only calls tools needs no text.
        if not has_calls:
            issues.append(_issue("message.missing_key", where=where, name="content"))
    elif not isinstance(message["content"], str):
        issues.append(_issue("value.string", where=f"{where}.content", got=json_kind(message["content"])))
    elif not message["content"].strip() and role in ("user", "assistant") and not has_calls:
        issues.append(_issue("message.empty_content", "warning", where=where, role=role))
    return role


def _order_problem(index: int, prev: str | None, prev_calls: bool, role: str) -> tuple[str, dict] | None:
    """Why ``role`` may not come next, as (message key, values), or None. Conversations go
    [system] user assistant user assistant ..., where an assistant turn with
    tool_calls is followed by one or more tool results and then the assistant."""
    if prev == "?":
        return None  # the previous message was unreadable, already reported
    if role == "system":
        return None if index == 0 else ("order.system_first", {})
    if prev is None:
        return None if role == "user" else ("order.first", {"role": role})
    if prev == "assistant" and prev_calls:
        allowed, key = ("tool",), "order.after_calls"
    elif prev == "tool":
        allowed, key = ("tool", "assistant"), "order.after_tool"
    else:
        allowed, key = ("assistant",) if prev == "user" else ("user",), "order.after"
    if role in allowed:
        return None
    if role == "tool":
        return "order.tool", {}
    values = {"role": role} if key != "order.after" else {"role": role, "expected": allowed[0], "after": prev}
    return key, values
