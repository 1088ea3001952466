"""`lorastudio data convert`: counts read, written per split and rejected by reason; the same files
twice; the source untouched; a mistake is one message. And `data check` with grouped problems."""

from __future__ import annotations

import json

import pytest

from lorastudio.cli.main import main


def alpaca(n):
    return [{"instruction": f"Question {i}?", "input": "", "output": f"Answer {i}."} for i in range(n)]


@pytest.fixture
def alpaca_file(tmp_path):
    records = alpaca(20)
    records[3] = {"instruction": "No answer here", "input": ""}
    records[7] = {"instruction": "Nor here", "input": ""}
    path = tmp_path / "alpaca.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_convert_prints_the_counts_and_writes_what_check_accepts(alpaca_file, tmp_path, capsys):
    before = alpaca_file.read_bytes()
    out = tmp_path / "converted"
    assert main(["data", "convert", str(alpaca_file), str(out), "--split", "0.8,0.1,0.1", "--seed", "4"]) == 0
    printed = capsys.readouterr().out
    assert f"Source: {alpaca_file}: Alpaca, 20 records" in printed
    assert "Read: 20 records" in printed
    assert f"Written (chat): train 14, valid 2, test 2 -> {out}" in printed
    assert 'Rejected: 2 (with their lines and reasons in' in printed
    assert '  2  Alpaca record without an "output": nothing to learn' in printed
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert [(r["line"], r["key"]) for r in rejects] == [(4, "convert.alpaca_no_output"), (8, "convert.alpaca_no_output")]
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(["data", "convert", str(alpaca_file), str(out), "--split", "0.8,0.1,0.1", "--seed", "4"]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first  # converting twice: identical files
    assert alpaca_file.read_bytes() == before
    capsys.readouterr()
    assert main(["data", "check", str(out)]) == 0
    assert "Format: chat; examples: train 14, valid 2, test 2" in capsys.readouterr().out


def test_csv_with_a_column_map(tmp_path, capsys):
    src = tmp_path / "faq.csv"
    src.write_text("id,title,body,reply\n1,Hello,\"Is it\nworking?\",Yes.\n2,Again,Still?,Still yes.\n3,x\n",
                   encoding="utf-8")
    out = tmp_path / "faq"
    args = ["data", "convert", str(src), str(out), "--map", "title=user", "--map", "body=user", "--map", "reply=assistant",
            "--map", "id=ignore", "--split", "1,0,0"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "Columns: title -> user, body -> user, reply -> assistant, id -> ignore" in printed
    assert "Written (chat): train 2, valid 0, test 0" in printed
    assert "  1  the row has 2 fields, the header has 4 columns" in printed
    first = json.loads((out / "train.jsonl").read_text().splitlines()[0])
    assert first["messages"][0] == {"role": "user", "content": "Hello\n\nIs it\nworking?"}


def test_check_groups_a_problem_found_on_many_lines(alpaca_file, capsys):
    assert main(["data", "check", str(alpaca_file)]) == 1
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "lines 1-20" in line)
    assert line.startswith("error: alpaca.jsonl: lines 1-20: Alpaca data, not a format mlx-lm reads; "
                           f"convert the file with: lorastudio data convert {alpaca_file}")
    assert line.endswith("(20 records)")
    assert main(["data", "check", str(alpaca_file), "--every-line"]) == 1
    every = capsys.readouterr().out
    assert all(f"alpaca.jsonl:{n}: Alpaca data" in every for n in range(1, 21))


@pytest.mark.parametrize("args, expected", [
    (["{tmp}/nothere.jsonl", "{tmp}/out"], "does not exist"),
    (["{tmp}/a.jsonl", "{tmp}/out", "--split", "0.9"], '--split "0.9"'),
    (["{tmp}/a.jsonl", "{tmp}/out", "--map", "nocolumn"], "expected COLUMN=ROLE"),
    (["{tmp}/t.csv", "{tmp}/out"], "--map question=user"),
    (["{tmp}/t.csv", "{tmp}/out", "--map", "a=boss", "--map", "b=assistant"], 'unknown role "boss"'),
    (["someone/not-cached", "{tmp}/out"], 'the Hugging Face dataset "someone/not-cached" is not on this computer'),
    (["{tmp}/data", "{tmp}/data"], "would overwrite the source"),
])
def test_a_mistake_is_one_message(args, expected, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_DATASETS_CACHE", raising=False)
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    (tmp_path / "a.jsonl").write_text(json.dumps(alpaca(1)[0]) + "\n", encoding="utf-8")
    (tmp_path / "t.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text(json.dumps(alpaca(1)[0]) + "\n", encoding="utf-8")
    assert main(["data", "convert", *[a.format(tmp=tmp_path) for a in args]]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lorastudio: ") and expected in lines[0], captured.err
    assert not (tmp_path / "out").exists()
