from tests.harness import RESIDENT, Harness


async def test_whole_path(bot: Harness) -> None:
    await bot.consent(RESIDENT)
    receipt = await bot.submit(RESIDENT)
    print("\n---\n".join(bot.api.texts(RESIDENT)))
    assert "BL26-0001" in receipt
