"""An argument-spec failure's message: the role and its first error on the first line, no spec."""

from __future__ import annotations

from ansible_collections.nova.dgx.plugins.plugin_utils._journal_argspec import argument_spec_failure


def test_the_first_error_leads_and_the_spec_is_dropped() -> None:
    result = {
        "msg": "Validation of arguments failed:\nvalue of x_mode must be one of: a, b, got: c\nx_port is wrong",
        "argument_errors": ["value of x_mode must be one of: a, b, got: c", "x_port   is\n wrong", "x_port is wrong"],
        "argument_spec_data": {"x_mode": {"type": "str", "choices": ["a", "b"]}},
        "validate_args_context": {"name": "x", "type": "role", "argument_spec_name": "main"},
        "changed": False,
    }
    concise = argument_spec_failure(result)
    assert concise["msg"] == "role x: argument spec validation failed: value of x_mode must be one of: a, b, got: c\nx_port is wrong"
    assert "argument_spec_data" not in concise and concise["changed"] is False
    assert "argument_spec_data" in result  # the original is left alone


def test_other_failures_are_unchanged() -> None:
    for result in ({"msg": "boom"}, {"msg": "x", "argument_errors": []}, {"msg": "x", "argument_errors": "not a list"}):
        assert argument_spec_failure(result) is result
    assert argument_spec_failure({"argument_errors": ["e"]})["msg"] == "arguments: argument spec validation failed: e"
