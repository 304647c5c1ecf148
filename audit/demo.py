"""``hocba-audit demo``: the main job on the embedded default, end to end."""
from __future__ import annotations

import time
from pathlib import Path

from .config import work_dir


def run(scale: str = "small", seed: int = 2025, db_url: str | None = None,
        out: str | None = None) -> int:
    from procurement import store
    from procurement.ingest import format_summary, ingest
    from procurement.synthetic import generate

    t0 = time.perf_counter()
    data_dir = work_dir("data") / f"demo-{scale}"
    db_url = db_url or f"sqlite:///{work_dir('data') / 'demo.db'}"
    out_dir = Path(out) if out else work_dir("reports") / "demo"
    print(f"1/4 Tạo dữ liệu tổng hợp ({scale}, seed {seed}) / generating synthetic data → {data_dir}")
    res = generate(scale, seed, data_dir)
    print(f"2/4 Nhập vào / ingesting into {db_url}")
    result = ingest([str(data_dir)], db_url, command=f"hocba-audit demo --scale {scale}")
    print(format_summary(result.report))
    n_bad = len(result.report["quarantine"])
    print(f"{n_bad} dòng cách ly như dự kiến (dữ liệu tổng hợp có dòng lỗi cài sẵn: {res.bad_rows_path}) / "
          f"{n_bad} rows quarantined, as planted")
    out_dir.mkdir(parents=True, exist_ok=True)
    from .engine import format_top, run_audit
    print(f"3/4 Tính các dấu hiệu / computing the flags → {out_dir / 'findings'}")
    audit = run_audit(db_url, out_dir=out_dir / "findings")
    print(f"{len(audit.all_findings)} phát hiện / findings; lần chạy / run {audit.run['run_id']}")
    for nc in audit.not_computed:
        print(f"  chưa tính / not computed: {nc['code']} — cần / needs {', '.join(nc['needs'])}")
    print("20 phát hiện điểm cao nhất / the twenty highest-scoring findings:")
    print(format_top(audit.all_findings, 20))
    from .reporting import run_scheduled
    print(f"4/4 Báo cáo thanh tra theo tỉnh / inspection reports → {out_dir / 'reports'}")
    scheduled = run_scheduled(db_url, "all", jobs=2, out_dir=out_dir / "reports",
                              archive_dir=out_dir / "archive", run_id=audit.run["run_id"])
    print(f"Trang mục lục / index page: {scheduled.index}")
    print(f"Xong sau {time.perf_counter() - t0:.1f} s / done. Cơ sở dữ liệu / database: {db_url}")
    store.dispose_engines()
    return 0 if result.exit_code in (0, 3) else result.exit_code
