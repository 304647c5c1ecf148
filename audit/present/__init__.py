"""The presentation layer: the only place that imports pyvis, IPython, ipywidgets, plotly or
nbconvert.  Modules are imported on use (``from audit.present import network``), so importing
this package costs nothing.

- :mod:`audit.present.network` — the supplier map as an offline interactive network page
  (pyvis data, vis-network inlined from pyvis's own files, nothing fetched), and the same
  network embedded as an isolated ``<iframe srcdoc>`` in reports and notebooks;
- :mod:`audit.present.charts` — market shares (stacked bars), the HHI heat map of provinces ×
  services, and the tile map of Vietnam's 34 provinces, as inline SVG.
"""
