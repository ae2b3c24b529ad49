"""The kernel against jupyter_kernel_test, the Jupyter project's own
conformance suite: every attribute filled in, so that none of its tests skip."""
import pytest
import jupyter_kernel_test

pytestmark = pytest.mark.usefixtures("kernelspec")

# A model small enough to build in milliseconds, for the samples that need one.
TINY_MODEL = "model tiny dim=32 layers=1 heads=2 kv_heads=2 ffn=64 seq=16"


class LoRALabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "loralab"
    language_name = "loralab"
    file_extension = ".lora"

    code_hello_world = 'print "hello, world"'
    code_stderr = 'warn "careful: this goes to standard error"'

    completion_samples = [
        {"text": "pri", "matches": {"print"}},
        {"text": "spec", "matches": {"spectrum"}},
    ]
    complete_code_samples = ['print "hello"', "help", "", "# only a comment"]
    incomplete_code_samples = ['print "unfinished', "lora targets=q,v \\"]
    invalid_code_samples = ['print "a" "b" "c', "= 3"]

    code_page_something = "lora?"
    code_generate_error = "no_such_command 42"

    code_execute_result = [
        {"code": f"{TINY_MODEL}\nshow model", "mime": "text/html"},
        {"code": "show model", "mime": "text/plain"},
    ]
    code_display_data = [
        {"code": f"{TINY_MODEL}\nshow model\nshow model", "mime": "text/html"},
        {"code": f"{TINY_MODEL}\nspectrum", "mime": "image/svg+xml"},
    ]

    code_history_pattern = "show*"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "lora"
    code_clear_output = "clear"
