"""Production start-up with the real identity adapters named in the settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devstack.servers import DevStack
from tests.app.test_providers import prodlike_env, run_serve
from tests.identity.identity_vendor_fakes import private_pem, public_pem, rsa_key


def _real_identity_env(folder: Path) -> dict[str, str]:
    (folder / "faceid-key").write_text("faceid-secret\n")
    (folder / "wechat-secret").write_text("wechat-secret")
    app_key, alipay_key = rsa_key(), rsa_key()
    (folder / "alipay-app.pem").write_bytes(private_pem(app_key))
    (folder / "alipay-public.pem").write_bytes(public_pem(alipay_key))
    return {
        "SZ_LIVENESS_PROVIDER": "tencent-faceid",
        "SZ_CARRIER_CHECK_PROVIDER": "tencent-faceid",
        "SZ_FACEID_SECRET_ID": "AKIDproduction",
        "SZ_FACEID_SECRET_KEY_FILE": str(folder / "faceid-key"),
        "SZ_FACEID_RULE_ID": "1",
        "SZ_MINI_PROGRAM_PROVIDER": "platforms",
        "SZ_WECHAT_APP_ID": "wxproduction",
        "SZ_WECHAT_APP_SECRET_FILE": str(folder / "wechat-secret"),
        "SZ_ALIPAY_APP_ID": "2021000000000003",
        "SZ_ALIPAY_PRIVATE_KEY_FILE": str(folder / "alipay-app.pem"),
        "SZ_ALIPAY_PUBLIC_KEY_FILE": str(folder / "alipay-public.pem"),
    }


async def test_production_with_the_real_identity_adapters_names_only_the_registers(
    servers: DevStack, tmp_path: Path, production_like: dict[str, Any]
) -> None:
    # given production settings naming FaceID and the platforms, credentials in files
    env = prodlike_env(servers, "production", production_like["jwt_signing_key_file"])
    env |= _real_identity_env(tmp_path)
    # when the service starts
    code, stderr = await run_serve(env)
    # then it still refuses (the registers are demo-only), but no longer for identity's
    # vendors: the only development vendor left is the SMS one
    assert code == 2, stderr
    line = stderr.strip()
    assert "\n" not in line, stderr
    assert "SZ_EXCHANGE_PROVIDER" in line
    for gone in ("SZ_LIVENESS_PROVIDER", "SZ_MINI_PROGRAM_PROVIDER", "SZ_CARRIER_CHECK_PROVIDER"):
        assert gone not in line, line
    assert "development liveness" not in line
    assert "development mini-program" not in line
    assert "Traceback" not in stderr


async def test_a_real_provider_without_its_credential_file_stops_the_start(
    servers: DevStack, tmp_path: Path, production_like: dict[str, Any]
) -> None:
    env = prodlike_env(servers, "production", production_like["jwt_signing_key_file"])
    env |= _real_identity_env(tmp_path) | {"SZ_FACEID_SECRET_KEY_FILE": str(tmp_path / "absent")}
    code, stderr = await run_serve(env)
    assert code == 2, stderr
    assert "SZ_FACEID_SECRET_KEY_FILE" in stderr
    assert "Traceback" not in stderr
