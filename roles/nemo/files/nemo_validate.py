# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validate NeMo on this machine's GPU: versions, the GPU and its compute capability, then a tiny model built
from configuration (no download), one forward pass, one backward pass and one optimiser step, timed, with the
peak memory. nova.dgx.nemo runs it inside the NeMo container after every change of image; the team runs it by
hand with `nemo-run python /opt/nova/nemo_validate.py`.

    nemo_validate.py [--device cuda|cpu] [--backend nemo|torch] [--expect-cc 12.1] [--json] [--report FILE]

--backend nemo (the default) builds NeMo's CTC speech model (EncDecCTCModel) from a dict; --backend torch builds
a model of the same shape from plain PyTorch, for a machine with PyTorch but no NeMo (it then does not validate
NeMo, and says so). Exit status 0 when every check passed, 1 otherwise; the report says which check failed.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import time
import traceback
import typing as t

LABELS = [" ", "'"] + [chr(code) for code in range(ord("a"), ord("z") + 1)]
FEATURES = 64
FILTERS = 128
SAMPLE_RATE = 16000


def driver_version() -> str:
    """The NVIDIA driver's version from nvidia-smi (mounted into the container by the NVIDIA runtime), or ''."""
    smi = shutil.which("nvidia-smi")
    if not smi:
        return ""
    done = subprocess.run([smi, "--query-gpu=driver_version", "--format=csv,noheader"], capture_output=True, text=True, check=False)
    return done.stdout.strip().splitlines()[0] if done.returncode == 0 and done.stdout.strip() else ""


def versions(torch: t.Any) -> dict[str, str]:
    found = {"python": platform.python_version(), "pytorch": torch.__version__, "cuda": str(torch.version.cuda or ""),
             "driver": driver_version(), "nemo": ""}
    try:
        import nemo  # type: ignore[import-not-found]  # noqa: PLC0415 - optional: absent on a PyTorch-only machine

        found["nemo"] = str(nemo.__version__)
    except ImportError:
        pass
    try:  # NeMo AutoModel (nvcr.io/nvidia/nemo-automodel): Hugging Face models on PyTorch, without the NeMo toolkit
        import nemo_automodel  # type: ignore[import-not-found]  # noqa: PLC0415

        found["nemo_automodel"] = str(getattr(nemo_automodel, "__version__", "present"))
    except ImportError:
        pass
    return found


def gpu_facts(torch: t.Any, device: str) -> dict[str, t.Any]:
    if device != "cuda":
        return {"available": bool(torch.cuda.is_available()), "name": "", "capability": ""}
    if not torch.cuda.is_available():
        return {"available": False, "name": "", "capability": ""}
    major, minor = torch.cuda.get_device_capability(0)
    return {"available": True, "name": torch.cuda.get_device_name(0), "capability": f"{major}.{minor}",
            "count": torch.cuda.device_count()}


def nemo_model(torch: t.Any) -> t.Any:
    """NeMo's CTC speech model from configuration: mel features, one separable conv block, a CTC decoder."""
    from nemo.collections.asr.models import EncDecCTCModel  # type: ignore[import-not-found]  # noqa: PLC0415
    from omegaconf import OmegaConf  # type: ignore[import-not-found]  # noqa: PLC0415

    config = OmegaConf.create({
        "sample_rate": SAMPLE_RATE, "labels": LABELS,
        "preprocessor": {"_target_": "nemo.collections.asr.modules.AudioToMelSpectrogramPreprocessor", "sample_rate": SAMPLE_RATE,
                         "features": FEATURES, "window_size": 0.02, "window_stride": 0.01, "dither": 0.0, "pad_to": 16},
        "encoder": {"_target_": "nemo.collections.asr.modules.ConvASREncoder", "feat_in": FEATURES, "activation": "relu",
                    "conv_mask": True,
                    "jasper": [{"filters": FILTERS, "repeat": 1, "kernel": [11], "stride": [1], "dilation": [1], "dropout": 0.0,
                                "residual": False, "separable": True}]},
        "decoder": {"_target_": "nemo.collections.asr.modules.ConvASRDecoder", "feat_in": FILTERS, "num_classes": len(LABELS),
                    "vocabulary": LABELS},
    })
    model = EncDecCTCModel(cfg=config)

    def step(audio: t.Any, audio_lengths: t.Any, targets: t.Any, target_lengths: t.Any) -> t.Any:
        log_probs, encoded_lengths, _predictions = model(input_signal=audio, input_signal_length=audio_lengths)
        return model.loss(log_probs=log_probs, targets=targets, input_lengths=encoded_lengths, target_lengths=target_lengths)

    return model, step


def torch_model(torch: t.Any) -> t.Any:
    """The same shape in plain PyTorch: framed audio, a separable conv block, a CTC head."""
    frame = SAMPLE_RATE // 100
    model = torch.nn.Sequential(
        torch.nn.Conv1d(1, FEATURES, kernel_size=frame * 2, stride=frame), torch.nn.ReLU(),
        torch.nn.Conv1d(FEATURES, FEATURES, kernel_size=11, padding=5, groups=FEATURES), torch.nn.Conv1d(FEATURES, FILTERS, 1),
        torch.nn.ReLU(), torch.nn.Conv1d(FILTERS, len(LABELS) + 1, 1))
    ctc = torch.nn.CTCLoss(blank=len(LABELS))

    def step(audio: t.Any, audio_lengths: t.Any, targets: t.Any, target_lengths: t.Any) -> t.Any:
        logits = model(audio.unsqueeze(1))                       # batch, classes, time
        log_probs = logits.permute(2, 0, 1).log_softmax(-1)      # time, batch, classes
        lengths = torch.full((audio.shape[0],), log_probs.shape[0], dtype=torch.long, device=audio.device)
        return ctc(log_probs, targets, lengths, target_lengths)

    return model, step


def train_step(torch: t.Any, backend: str, device: str) -> dict[str, t.Any]:
    """Build the model, then one forward, backward and optimiser step on a random batch; time and peak memory."""
    torch.manual_seed(0)
    built = time.perf_counter()
    model, step = nemo_model(torch) if backend == "nemo" else torch_model(torch)
    model = model.to(device).train()
    parameters = sum(p.numel() for p in model.parameters())
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
    batch, seconds = 4, 1
    audio = torch.randn(batch, SAMPLE_RATE * seconds, device=device)
    audio_lengths = torch.full((batch,), SAMPLE_RATE * seconds, dtype=torch.long, device=device)
    targets = torch.randint(1, len(LABELS), (batch, 12), device=device)
    target_lengths = torch.full((batch,), 12, dtype=torch.long, device=device)
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    loss = step(audio, audio_lengths, targets, target_lengths)
    optimiser.zero_grad()
    loss.backward()
    before = [p.detach().clone() for p in model.parameters()]
    optimiser.step()
    if device == "cuda":
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - started
    changed = any(not torch.equal(old, new.detach()) for old, new in zip(before, model.parameters()))
    peak = (torch.cuda.max_memory_allocated() if device == "cuda"
            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    return {"backend": backend, "device": device, "parameters": parameters, "loss": float(loss.detach().cpu()),
            "loss_finite": bool(torch.isfinite(loss.detach()).item()), "weights_updated": changed,
            "build_seconds": round(started - built, 3), "step_seconds": round(elapsed, 4),
            "peak_memory_bytes": int(peak), "peak_memory_kind": "CUDA allocator peak" if device == "cuda" else "process max RSS"}


def checks(result: dict[str, t.Any], expect_cc: str) -> list[dict[str, t.Any]]:
    """The rows of the report, from what was measured."""
    gpu, found, run = result.get("gpu", {}), result.get("versions", {}), result.get("run", {})
    rows = [{"name": "PyTorch", "ok": bool(found.get("pytorch")), "detail": f"PyTorch {found.get('pytorch') or 'not importable'}"
             + (f", CUDA {found['cuda']}" if found.get("cuda") else "")}]
    if found.get("nemo"):
        nemo = {"ok": True, "detail": f"NeMo {found['nemo']}"}
    elif found.get("nemo_automodel"):
        nemo = {"ok": result.get("backend") == "torch",
                "detail": f"NeMo AutoModel {found['nemo_automodel']}: its models are Hugging Face models on PyTorch, so the PyTorch step"
                          " validates the stack" + ("" if result.get("backend") == "torch" else "; run it with --backend torch")}
    else:
        nemo = {"ok": result.get("backend") == "torch",
                "detail": "NeMo not importable" + (" (backend torch: NeMo is not validated)" if result.get("backend") == "torch" else "")}
    rows.append({"name": "NeMo", **nemo})
    if result.get("device") == "cuda":
        rows.append({"name": "GPU visible", "ok": bool(gpu.get("available")),
                     "detail": f"{gpu.get('name')} (driver {found.get('driver') or '?'})" if gpu.get("available")
                     else "torch.cuda.is_available() is False: no GPU visible (a container needs --gpus all, which nemo-run"
                          " gives; a virtualenv needs the driver and a CUDA build of PyTorch)"})
        if expect_cc:
            rows.append({"name": "compute capability", "ok": gpu.get("capability") == expect_cc,
                         "detail": f"{gpu.get('capability') or '?'}, expected {expect_cc}"})
    if run:
        rows.append({"name": "train step", "ok": run["loss_finite"] and run["weights_updated"],
                     "detail": f"{run['backend']} model ({run['parameters']:,} parameters) on {run['device']}: loss {run['loss']:.3f},"
                     f" forward+backward+step {run['step_seconds'] * 1000:.1f} ms, peak {run['peak_memory_bytes'] / 2**20:.1f} MiB"
                     f" ({run['peak_memory_kind']})" + ("" if run["weights_updated"] else "; the optimiser changed no weight")})
    if result.get("error"):
        rows.append({"name": "error", "ok": False, "detail": result["error"]})
    return rows


def markdown(result: dict[str, t.Any]) -> str:
    found = result.get("versions", {})
    lines = ["# NeMo validation", "",
             f"Host `{result.get('host', '?')}`, {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(result.get('time', 0)))},"
             f" result **{'pass' if result.get('ok') else 'FAIL'}**.", "",
             "| check | result | detail |", "| --- | --- | --- |"]
    lines += [f"| {row['name']} | {'pass' if row['ok'] else 'fail'} | {str(row['detail']).replace('|', '/')} |" for row in result["checks"]]
    lines += ["", "Versions: " + ", ".join(f"{name} {value or '-'}" for name, value in found.items()), ""]
    return "\n".join(lines)


def validate(device: str, backend: str, expect_cc: str) -> dict[str, t.Any]:
    result: dict[str, t.Any] = {"host": platform.node(), "time": int(time.time()), "device": device, "backend": backend,
                                "versions": {}, "gpu": {}, "run": {}}
    try:
        import torch  # type: ignore[import-not-found]  # noqa: PLC0415 - reported as a failed check when absent
    except ImportError as error:
        result["error"] = f"PyTorch is not importable: {error}"
    else:
        result["versions"] = versions(torch)
        result["gpu"] = gpu_facts(torch, device)
        if backend == "nemo" and not result["versions"]["nemo"]:
            hint = " (NeMo AutoModel is: use --backend torch)" if result["versions"].get("nemo_automodel") else ""
            result["error"] = f"NeMo is not importable{hint} (pip show nemo_toolkit; in the container: the image is not a NeMo image)"
        elif device == "cuda" and not result["gpu"]["available"]:
            result["error"] = "no CUDA device"
        else:
            try:
                result["run"] = train_step(torch, backend, device)
            except Exception as error:  # noqa: BLE001 - any failure of the model is the finding
                result["error"] = f"{type(error).__name__}: {error}"
                result["traceback"] = traceback.format_exc(limit=8)
    result["checks"] = checks(result, expect_cc)
    result["ok"] = all(row["ok"] for row in result["checks"])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--backend", choices=("nemo", "torch"), default="nemo")
    parser.add_argument("--expect-cc", default="", help="the GPU's compute capability, e.g. 12.1 on a DGX Spark's GB10")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line on stdout")
    parser.add_argument("--report", default="", help="write the Markdown report to this file")
    args = parser.parse_args(argv)
    if args.expect_cc and not all(part.isdigit() for part in args.expect_cc.split(".")) or args.expect_cc.count(".") > 1:
        parser.error(f"--expect-cc must be major.minor such as 12.1, got {args.expect_cc!r}")
    result = validate(args.device, args.backend, args.expect_cc)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as handle:
            handle.write(markdown(result))
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        print(markdown(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
