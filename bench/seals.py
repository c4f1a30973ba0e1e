"""Sign and verify cost of each seal algorithm, side by side, in one run.

    .venv/bin/python -m bench.seals                # default: 2000 rounds per operation
    .venv/bin/python -m bench.seals --rounds 500

Each algorithm signs and verifies the canonical content of a realistic business licence
(the bytes a seal covers, about 600), through the wallet's own key classes; the figure
is the median of five batches, in microseconds per operation, on one core. SM2 runs in
``gmalg``, pure Python (chosen because it installs from a wheel everywhere): far slower
than the two ``cryptography`` algorithms, which the figures show.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date

from wallet.canonical import canonical_json
from wallet.models import Holder, HolderKind, Licence, LicenceType, Seal
from wallet.seals import SealAlgorithm, SigningKey, generate_key


def _message() -> bytes:
    licence = Licence(
        uri="urn:zhuzhou:licence:430200-SCJG:business_licence:0123456789abcdef0123456789abcdef",
        type=LicenceType.BUSINESS_LICENCE,
        holder=Holder(HolderKind.ENTERPRISE, "91430200MA4L000001"),
        issuer="430200-SCJG",
        number="91430200MA4L000001",
        issued_on=date(2021, 3, 15),
        expires_on=None,
        fields={
            "name": "株洲示例科技有限公司",
            "legalForm": "有限责任公司",
            "legalRepresentative": "李四",
            "registeredCapital": 500,
            "establishedOn": "2021-03-15",
            "address": "湖南省株洲市芦淞区建设中路2号",
            "scope": "软件开发；信息技术咨询服务；数据处理和存储支持服务",
        },
        seal=Seal("", "", ""),
    )
    return canonical_json(licence.signed_content())


def _per_call_us(call: Callable[[], object], rounds: int) -> float:
    batches = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds):
            call()
        batches.append((time.perf_counter() - started) / rounds * 1e6)
    return statistics.median(batches)


def _time(key: SigningKey, message: bytes, rounds: int) -> tuple[float, float]:
    signature = key.sign(message)
    assert key.public.verify(message, signature)
    sign = _per_call_us(lambda: key.sign(message), rounds)
    verify = _per_call_us(lambda: key.public.verify(message, signature), rounds)
    return sign, verify


def main() -> None:
    """Print µs per sign and per verify for each algorithm."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    rounds = parser.parse_args().rounds
    message = _message()
    print(f"message: {len(message)} bytes of canonical licence content; {rounds} rounds x 5")
    print(f"{'algorithm':<22}{'sign µs':>10}{'verify µs':>12}{'verify/s':>10}")
    for alg in SealAlgorithm:
        sign, verify = _time(generate_key(alg), message, rounds)
        print(f"{alg.value:<22}{sign:>10.1f}{verify:>12.1f}{1e6 / verify:>10.0f}")


if __name__ == "__main__":
    main()
