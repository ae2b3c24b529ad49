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
    invalid_code_samples = ["no_such_command 42", "= 3", 'print "fine"\nmodle tiny']

    code_page_something = "lora?"
    code_generate_error = "no_such_command 42"

    code_execute_result = [
        {"code": "set seed=7\nset", "result": "seed=7"},
        {"code": 'print "settings:"\nset', "mime": "text/plain"},
    ]
    # Interim (until the model commands land): text/plain displays only.
    code_display_data = [
        {"code": "help\nset", "mime": "text/plain"},
    ]

    code_history_pattern = "set seed=7*"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "lora"
    code_clear_output = "clear"
