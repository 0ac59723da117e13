/** Backtesting a draft rule set against the recorded journal (./backtest.ts). */
export * from './backtest';
export { compareDecisions, kpiDifference } from './outcome';
export { backtestReportHtml, backtestSummaryText, kpiDeltaText, recordedRulesLines } from './report';
