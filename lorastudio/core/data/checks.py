"""Rules for one parsed dataset record: which format it is and what is wrong with it.

``datasets.py`` reads the files and calls these on every parsed line; the rules
mirror what mlx-lm's dataset classes (``mlx_lm/tuner/datasets.py``) and the
model's chat template will do with the record later, so that a bad example is
named here with its line instead of failing in the middle of training.
Plain functions over Python values, any thread, no imports beyond the
standard library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .keys import DataKeys

#: (message, severity) with severity "error" or "warning"; datasets.py adds file and line.
Issue = tuple[str, str]

ROLES = ("system", "user", "assistant", "tool")

#: The dataset class a format ends up in: chat records with and without tools
#: are both read by mlx-lm's ChatDataset, so they may share a file.
FAMILY = {"chat": "chat", "tools": "chat", "completions": "completions", "text": "text"}


def json_type(value: Any) -> str:
    """The JSON name of a value's type, with an article, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


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
        return [(_missing_keys_message(record, keys), "error")]
    issues: list[Issue] = []
    if fmt == "completions":
        _check_completions(record, keys, issues)
        if keys.chat in record:
            issues.append(
                (f'has both "{keys.chat}" and "{keys.prompt}"/"{keys.completion}"; '
                 f'mlx-lm uses "{keys.prompt}"/"{keys.completion}" and ignores "{keys.chat}"', "warning")
            )
    elif fmt == "text":
        text = record[keys.text]
        if not isinstance(text, str):
            issues.append((f'"{keys.text}": expected a string, got {json_type(text)}', "error"))
        elif not text:
            # mlx-lm's TextDataset indexes the last token: an empty text crashes it.
            issues.append((f'"{keys.text}": empty text', "error"))
    else:
        _check_tools(record.get("tools"), issues)
        _check_messages(record[keys.chat], keys.chat, "tools" in record and bool(record["tools"]), issues)
    return issues


def _missing_keys_message(record: dict, keys: DataKeys) -> str:
    if keys.prompt in record:
        return f'missing key "{keys.completion}" (the record has "{keys.prompt}")'
    if keys.completion in record:
        return f'missing key "{keys.prompt}" (the record has "{keys.completion}")'
    found = ", ".join(f'"{k}"' for k in list(record)[:6]) or "none"
    if len(record) > 6:
        found += ", ..."
    return (f'no "{keys.chat}", "{keys.prompt}"/"{keys.completion}" or "{keys.text}" key '
            f"(found keys: {found})")


def _check_completions(record: dict, keys: DataKeys, issues: list[Issue]) -> None:
    for key in (keys.prompt, keys.completion):
        value = record[key]
        if not isinstance(value, str):
            issues.append((f'"{key}": expected a string, got {json_type(value)}', "error"))
    completion = record[keys.completion]
    if isinstance(completion, str) and not completion.strip():
        issues.append((f'"{keys.completion}": empty completion, nothing to learn', "warning"))
    _check_tools(record.get("tools"), issues)


def _check_tools(tools: Any, issues: list[Issue]) -> None:
    """``tools`` is handed to the chat template as is: a list of tool definitions."""
    if tools is None:
        return
    if not isinstance(tools, list):
        issues.append((f'"tools": expected an array of tool definitions, got {json_type(tools)}', "error"))
        return
    for i, tool in enumerate(tools):
        where = f"tools[{i}]"
        if not isinstance(tool, dict):
            issues.append((f"{where}: expected an object, got {json_type(tool)}", "error"))
        elif "function" in tool:
            function = tool["function"]
            if not isinstance(function, dict):
                issues.append((f"{where}.function: expected an object, got {json_type(function)}", "error"))
            elif not isinstance(function.get("name"), str):
                issues.append((f'{where}.function.name: expected a string, got {json_type(function.get("name"))}', "error"))
        elif not isinstance(tool.get("name"), str):
            issues.append((f'{where}: expected {{"type": "function", "function": {{"name": ...}}}}', "error"))


def _check_tool_calls(calls: list, where: str, issues: list[Issue]) -> None:
    for j, call in enumerate(calls):
        at = f"{where}.tool_calls[{j}]"
        if not isinstance(call, dict):
            issues.append((f"{at}: expected an object, got {json_type(call)}", "error"))
            continue
        function = call.get("function")
        if not isinstance(function, dict):
            issues.append((f"{at}.function: expected an object with \"name\" and \"arguments\", "
                           f"got {json_type(function) if 'function' in call else 'nothing'}", "error"))
            continue
        if not isinstance(function.get("name"), str):
            issues.append((f"{at}.function.name: expected a string, got {json_type(function.get('name'))}", "error"))
        if "arguments" in function and not isinstance(function["arguments"], (str, dict)):
            issues.append((f"{at}.function.arguments: expected a string or an object, "
                           f"got {json_type(function['arguments'])}", "error"))


def _check_messages(messages: Any, key: str, has_tools: bool, issues: list[Issue]) -> None:
    if not isinstance(messages, list):
        issues.append((f'"{key}": expected an array of messages, got {json_type(messages)}', "error"))
        return
    if not messages:
        issues.append((f'"{key}": the conversation is empty', "error"))
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
            issues.append((f'{where}.tool_calls: the record has no "tools" list defining the called tools', "warning"))
        order = _order_problem(i, prev, prev_calls, role)
        if order:
            issues.append((f"{where}.role: {order}", "error"))
        last_role = role
        if role == "system" and i > 0:
            continue  # reported; judge the next message against the one before it
        prev, prev_calls = role, calls
        saw_assistant = saw_assistant or role == "assistant"
    # mlx-lm trains on the whole conversation, or with mask_prompt on the last
    # message only: without an assistant answer there is nothing to learn.
    if not saw_assistant:
        issues.append((f'"{key}": no assistant message; training needs one as the target', "error"))
    elif last_role is not None and last_role != "assistant":
        issues.append((f'{key}[{len(messages) - 1}].role: the last message must be from the assistant '
                       f'(the training target), got "{last_role}"', "error"))


def _check_message(message: Any, where: str, issues: list[Issue]) -> str | None:
    """Check one message's shape; return its role, or None if it has no usable role."""
    if not isinstance(message, dict):
        issues.append((f'{where}: expected an object with "role" and "content", got {json_type(message)}', "error"))
        return None
    if "role" not in message:
        issues.append((f'{where}: missing key "role"', "error"))
        return None
    role = message["role"]
    if not isinstance(role, str):
        issues.append((f"{where}.role: expected a string, got {json_type(role)}", "error"))
        return None
    if role not in ROLES:
        issues.append((f'{where}.role: unknown role "{role}" (expected system, user, assistant or tool)', "error"))
        return None
    calls = message.get("tool_calls")
    if calls is not None:
        if role != "assistant":
            issues.append((f'{where}.tool_calls: only assistant messages carry tool_calls, this one is "{role}"', "error"))
        elif not isinstance(calls, list):
            issues.append((f"{where}.tool_calls: expected an array, got {json_type(calls)}", "error"))
        else:
            _check_tool_calls(calls, where, issues)
    # Even a malformed tool_calls (reported above) means the turn needs no text.
    has_calls = role == "assistant" and calls is not None and calls != []
    if "content" not in message or message["content"] is None:
        # An assistant turn that only calls tools needs no text.
        if not has_calls:
            issues.append((f'{where}: missing key "content"', "error"))
    elif not isinstance(message["content"], str):
        issues.append((f"{where}.content: expected a string, got {json_type(message['content'])}", "error"))
    elif not message["content"].strip() and role in ("user", "assistant") and not has_calls:
        issues.append((f"{where}.content: empty {role} message", "warning"))
    return role


def _order_problem(index: int, prev: str | None, prev_calls: bool, role: str) -> str | None:
    """Why ``role`` may not come next, or None. Conversations go
    [system] user assistant user assistant ..., where an assistant turn with
    tool_calls is followed by one or more tool results and then the assistant."""
    if prev == "?":
        return None  # the previous message was unreadable, already reported
    if role == "system":
        return None if index == 0 else 'a "system" message is only allowed first'
    if prev is None:
        return None if role == "user" else f'expected "system" or "user" first, got "{role}"'
    if prev == "assistant" and prev_calls:
        allowed = ("tool",)
        after = "an assistant message with tool_calls"
    elif prev == "tool":
        allowed = ("tool", "assistant")
        after = '"tool"'
    else:
        allowed = ("assistant",) if prev == "user" else ("user",)
        after = f'"{prev}"'
    if role in allowed:
        return None
    if role == "tool":
        return 'a "tool" message must follow an assistant message with tool_calls or another tool message'
    expected = " or ".join(f'"{r}"' for r in allowed)
    return f'expected {expected} after {after}, got "{role}"'
