export { type ChartInfo, type ChartResult, type DashboardInfo, SupersetClient } from './api.ts';
export { BUNDLE_DIR, DASHBOARDS, generateBundle, readBundle } from './bundle.ts';
export { type DashboardsConfig, readDashboardsConfig, supersetUrl } from './config.ts';
export { type DashboardsUp, dashboardsDown, dashboardsStatus, dashboardsUp } from './dashboards.ts';
export type { Chart, Dashboard, Dataset } from './describe.ts';
export { queryContextOf } from './render-bundle.ts';
