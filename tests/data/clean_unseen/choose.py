"""How the real documents of the unseen set were drawn (run from the repository root).

Pool: pages of shared/plans/news and shared/plans/government not in tests/data/clean, at most
5,000 characters (news) or 6,000 (government Markdown) so that each can be cleaned by hand.
"""
import os
import random
from pathlib import Path

SHARED = Path(os.environ.get("PLANNLP_SHARED", "/work/shared")) / "plans"
DEV = {p.name.split(".")[0] for p in (Path(__file__).parent.parent / "clean").glob("*.expected.txt")}


def pool(folder: str, limit: int, prefix: str) -> list[str]:
    names = []
    for path in sorted((SHARED / folder).iterdir()):
        stem = path.stem.replace("dantri-news_health_", "dantri-")
        if f"{prefix}{stem}" in DEV or len(path.read_text(encoding='utf-8')) > limit:
            continue
        names.append(path.name)
    return names


rng = random.Random(20261212)
news = pool("news", 5000, "news-")
gov = pool("government", 6000, "gov-")
print("news:", rng.sample(news, 5))
print("government:", rng.sample(gov, 3))
