/**
 * `effect-rocketmq/simulation`: fault simulations as property tests (see the README's "Fault simulations"): schedules
 * of faults drawn by fast-check, played on the embedded cluster while producers and push consumers run a handler of
 * yours, and the invariants checked afterwards.
 *
 * @since 0.1.0
 */
export * as Simulation from "./layers/SimulationLive.js"
