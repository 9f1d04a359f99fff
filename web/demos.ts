// What the page offers without a file: the profiles it bundles and a few demo books, each with the
// market and profile it is meant for. Bundled as JSON by esbuild from the repository's own files.
import derivePmrm2Test from '../profiles/derive-pmrm2.test.json';
import derivePmrm2Mainnet from '../profiles/derive-pmrm2.mainnet.json';
import deribitPm from '../profiles/deribit-pm.json';
import okxPm from '../profiles/okx-pm.json';
import tims from '../profiles/tims.json';
import standard from '../profiles/standard.json';
import portfolioEth from '../examples/portfolio-eth.json';
import marketEth from '../examples/market-eth.json';
import portfolioBtc from '../examples/portfolio-btc.json';
import marketBtc from '../examples/market-btc.json';
import coveredCall from '../examples/books/covered-call.json';
import riskReversal from '../examples/books/risk-reversal.json';
import box from '../examples/books/box.json';
import calendarSpread from '../examples/books/calendar-spread.json';
import shortStraddleHedged from '../examples/books/short-straddle-hedged.json';

export const PROFILES: Record<string, Record<string, unknown>> = {
  'derive-pmrm2.test': derivePmrm2Test,
  'derive-pmrm2.mainnet': derivePmrm2Mainnet,
  'deribit-pm': deribitPm,
  'okx-pm': okxPm,
  tims,
  standard,
};

export interface Demo {
  label: string;
  profile: keyof typeof PROFILES & string;
  portfolio: unknown;
  market: unknown;
  /** A trade to suggest in the what-if box. */
  whatIf: unknown;
}

export const DEMOS: Record<string, Demo> = {
  eth: { label: 'ETH book (Derive PMRM_2)', profile: 'derive-pmrm2.test', portfolio: portfolioEth, market: marketEth, whatIf: [{ instrument: 'ETH-PERPETUAL', size: 2 }] },
  btc: { label: 'BTC book (Deribit PM)', profile: 'deribit-pm', portfolio: portfolioBtc, market: marketBtc, whatIf: [{ instrument: 'BTC_USDC-PERPETUAL', size: 1 }] },
  'covered-call': { label: 'Covered call', profile: 'derive-pmrm2.test', portfolio: coveredCall, market: marketEth, whatIf: [{ instrument: 'ETH-PERPETUAL', size: -5 }] },
  'risk-reversal': { label: 'Risk reversal', profile: 'derive-pmrm2.test', portfolio: riskReversal, market: marketEth, whatIf: [{ instrument: 'ETH-PERPETUAL', size: -1 }] },
  box: { label: 'Box spread', profile: 'derive-pmrm2.test', portfolio: box, market: marketEth, whatIf: [{ instrument: 'ETH-PERPETUAL', size: 1 }] },
  'calendar-spread': { label: 'Calendar spread', profile: 'derive-pmrm2.test', portfolio: calendarSpread, market: marketEth, whatIf: [{ instrument: 'ETH-PERPETUAL', size: 1 }] },
  'short-straddle-hedged': { label: 'Short straddle, hedged', profile: 'derive-pmrm2.test', portfolio: shortStraddleHedged, market: marketEth, whatIf: [{ instrument: 'ETH-PERPETUAL', size: 1 }] },
};
