# Copyright: (c) 2026, nova.dgx contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every nova.dgx dashboard shares: its variables, panel factories and the JSON it ends as.

Every query reads the datasource chosen in the variable ``datasource`` (default: the provisioned
``nova-prometheus``), never a datasource by name, so one file works in any Grafana.
"""

from __future__ import annotations

import json
import typing as t

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.builders import prometheus, stat, table, text, timeseries
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as dm
from grafana_foundation_sdk.models import prometheus as prometheus_models

TAGS = ["nova.dgx"]
DATASOURCE_UID = "nova-prometheus"  # the uid nova.dgx.grafana provisions its Prometheus datasource with
DATASOURCE = dm.DataSourceRef(type_val="prometheus", uid="${datasource}")
HOST = 'host=~"$host"'  # the label matcher of the host variable
HOST_QUERY = 'label_values(up{job="node"}, host)'
GRID_WIDTH = 24

PanelBuilder: t.TypeAlias = cogbuilder.Builder[dm.Panel]


def target(expr: str, legend: str = "", *, instant: bool = False) -> prometheus.Dataquery:
    """A Prometheus query on the dashboard's datasource; instant ones (tables, stats) read the last value."""
    query = prometheus.Dataquery().expr(expr).datasource(DATASOURCE)
    if legend:
        query = query.legend_format(legend)
    if instant:
        query = query.instant().format(prometheus_models.PromQueryFormat.TABLE)
    return query


def steps(base: str, *levels: tuple[float, str]) -> db.ThresholdsConfig:
    """Absolute thresholds: base colour below the first level, then each (value, colour)."""
    return db.ThresholdsConfig().mode(dm.ThresholdsMode.ABSOLUTE).steps(
        [dm.Threshold(value=None, color=base)] + [dm.Threshold(value=value, color=color) for value, color in levels])


def states(**texts: tuple[str, str]) -> list[dm.ValueMapping]:
    """Value mappings for a small set of states: states(**{"0": ("DOWN", "red"), "1": ("UP", "green")})."""
    return [dm.ValueMap(options={value: dm.ValueMappingResult(text=label, color=color, index=i)
                                 for i, (value, (label, color)) in enumerate(texts.items())})]


def up_down(down: str = "DOWN", up: str = "UP") -> list[dm.ValueMapping]:
    return states(**{"0": (down, "red"), "1": (up, "green")})


def _with_targets(panel: t.Any, queries: t.Sequence[prometheus.Dataquery], description: str) -> t.Any:
    """Add the queries with refIds A, B, ... and the description, if any."""
    if description:
        panel = panel.description(description)
    for i, query in enumerate(queries):
        panel = panel.with_target(query.ref_id(chr(ord("A") + i)))
    return panel


def timeseries_panel(title: str, unit: str, *queries: prometheus.Dataquery, description: str = "", w: int = 12, h: int = 8,
                     thresholds: db.ThresholdsConfig | None = None, min_value: float | None = None,
                     max_value: float | None = None, stepped: bool = False) -> timeseries.Panel:
    panel = (timeseries.Panel().title(title).datasource(DATASOURCE).unit(unit).span(w).height(h)
             .fill_opacity(10).show_points(common.VisibilityMode.NEVER)
             .legend(common_builders.VizLegendOptions().display_mode(common.LegendDisplayMode.LIST)
                     .placement(common.LegendPlacement.BOTTOM).show_legend(True))
             .tooltip(common_builders.VizTooltipOptions().mode(common.TooltipDisplayMode.MULTI).sort(common.SortOrder.DESCENDING)))
    if stepped:
        panel = panel.line_interpolation(common.LineInterpolation.STEP_AFTER)
    if thresholds is not None:
        panel = panel.thresholds(thresholds).thresholds_style(
            common_builders.GraphThresholdsStyleConfig().mode(common.GraphTresholdsStyleMode.DASHED))
    if min_value is not None:
        panel = panel.min(min_value)
    if max_value is not None:
        panel = panel.max(max_value)
    return t.cast(timeseries.Panel, _with_targets(panel, queries, description))


def stat_panel(title: str, unit: str, *queries: prometheus.Dataquery, description: str = "", w: int = 6, h: int = 5,
               thresholds: db.ThresholdsConfig | None = None, mappings: list[dm.ValueMapping] | None = None) -> stat.Panel:
    """One big number per series: the last value, coloured by its thresholds or mappings."""
    panel = (stat.Panel().title(title).datasource(DATASOURCE).unit(unit).span(w).height(h)
             .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
             .graph_mode(common.BigValueGraphMode.NONE).color_mode(common.BigValueColorMode.BACKGROUND)
             .text_mode(common.BigValueTextMode.VALUE_AND_NAME))
    panel = panel.thresholds(thresholds or steps("green"))
    if mappings:
        panel = panel.mappings(mappings)
    return t.cast(stat.Panel, _with_targets(panel, queries, description))


def table_panel(title: str, unit: str, *queries: prometheus.Dataquery, description: str = "", w: int = 12, h: int = 8,
                thresholds: db.ThresholdsConfig | None = None, mappings: list[dm.ValueMapping] | None = None,
                hidden: t.Sequence[str] = ("Time", "__name__", "job", "instance")) -> table.Panel:
    """Instant queries as rows: one column per label (less the hidden ones) and the value, coloured."""
    panel = (table.Panel().title(title).datasource(DATASOURCE).unit(unit).span(w).height(h)
             .cell_height(common.TableCellHeight.SM)
             .with_transformation(dm.DataTransformerConfig(id_val="organize",
                                                           options={"excludeByName": {name: True for name in hidden}})))
    if thresholds is not None:
        panel = panel.thresholds(thresholds).override_by_name("Value", [
            dm.DynamicConfigValue(id_val="custom.cellOptions", value={"type": "color-background"})])
    if mappings:
        panel = panel.mappings(mappings)
    return t.cast(table.Panel, _with_targets(panel, queries, description))


def text_panel(title: str, content: str, *, w: int = GRID_WIDTH, h: int = 4) -> text.Panel:
    """Markdown that explains the panels around it (a text panel has no query)."""
    return text.Panel().title(title).content(content).span(w).height(h)


def new_dashboard(uid: str, title: str, description: str, *, host_variable: bool = True) -> db.Dashboard:
    """The settings every nova.dgx dashboard shares: tags, 30 s refresh, the last 6 hours, the variables."""
    dashboard = (db.Dashboard(title).uid(uid).description(description).tags(list(TAGS)).refresh("30s").time("now-6h", "now")
                 .timezone("browser").tooltip(dm.DashboardCursorSync.CROSSHAIR)
                 .with_variable(db.DatasourceVariable("datasource").label("Datasource").type("prometheus")
                                .current(dm.VariableOption(selected=True, text="Prometheus", value=DATASOURCE_UID))))
    if host_variable:
        dashboard = dashboard.with_variable(
            db.QueryVariable("host").label("Host").query(HOST_QUERY).datasource(DATASOURCE).multi(True).include_all(True)
            .refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED).sort(dm.VariableSort.ALPHABETICAL_ASC)
            .current(dm.VariableOption(selected=True, text=["All"], value=["$__all"])))
    return dashboard


def section(dashboard: db.Dashboard, title: str, *panels: PanelBuilder) -> db.Dashboard:
    """An expanded row and its panels, laid out left to right (widths of a row add up to 24)."""
    dashboard = dashboard.with_row(db.Row(title).collapsed(False))
    for panel in panels:
        dashboard = dashboard.with_panel(panel)
    return dashboard


def _number(panels: t.Iterable[dm.Panel | dm.RowPanel], start: int) -> int:
    """Give each panel, rows and what collapsed rows hold included, the next id; return the one after."""
    for panel in panels:
        panel.id_val = start
        start += 1
        if isinstance(panel, dm.RowPanel):
            start = _number(panel.panels, start)
    return start


def finish(dashboard: db.Dashboard) -> dict[str, t.Any]:
    """The dashboard's JSON model as plain data: panels numbered 1, 2, ... in order, through the SDK's encoder."""
    model = dashboard.build()
    _number(model.panels or [], 1)
    return t.cast(dict[str, t.Any], json.loads(json.dumps(model, cls=JSONEncoder)))
