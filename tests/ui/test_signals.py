"""Guard against a PySide6 release that corrupts reference counts when signals are emitted.

PySide6-Essentials 6.12.0 returned Signal.emit()'s bool without a reference;
on Python 3.11 an app that emits a few thousand signals then aborts with
"deallocating True or False". pyproject.toml pins below it; this test fails
(the process aborts) if a broken release comes back.
"""

import subprocess
import sys

CODE = """
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal
app = QCoreApplication([])
class Emitter(QObject):
    sig = Signal(object)
emitter = Emitter()
emitter.sig.connect(lambda value: None)
for _ in range(20000):
    emitter.sig.emit(None)
class Worker(QThread):
    def run(self):
        for _ in range(20000):
            emitter.sig.emit(1)
worker = Worker()
worker.start()
worker.wait()
print("ok")
"""


def test_many_emits_do_not_corrupt_reference_counts():
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "ok"
