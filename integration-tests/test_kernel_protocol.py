"""The kernel against jupyter_kernel_test, the Jupyter project's own
conformance suite: every attribute filled in, so that none of its tests skip."""
import pytest
import jupyter_kernel_test

pytestmark = pytest.mark.usefixtures("kernelspec")

# A model small enough to build in milliseconds, for the samples that need one.
TINY_MODEL = "model tiny dim=32 layers=1 heads=2 kv_heads=2 ffn=64 seq=64"


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

    # A cell's last result is its execute_result; results before it are
    # display_data. The display samples run in order on one kernel: the first
    # builds and trains a little, so the next two have something to show (and
    # every display_data of a sample must carry the sample's MIME type).
    code_execute_result = [
        {"code": "set seed=7\nset", "result": "seed=7"},
        {"code": f"{TINY_MODEL}\nshow model", "mime": "text/html"},
    ]
    code_display_data = [
        {"code": f"{TINY_MODEL}\ndata finetune builtin:identity\nlora targets=q,v rank=2\nstep 2\nset",
         "mime": "text/plain"},
        {"code": "show model\nset", "mime": "text/html"},
        {"code": "spectrum\nset", "mime": "image/svg+xml"},
    ]

    code_history_pattern = "set seed=7*"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "lora"
    code_clear_output = "clear"
