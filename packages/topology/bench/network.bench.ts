import { networkBenchmarks } from '@vnet/topology';

export default networkBenchmarks;
