/**
 * Governance and threshold pilots, as pure functions shared by the nightly job and the dashboard (LWC service
 * module c/calibrationGovernance): the approval lifecycle between runs (`./lifecycle`) and pilot statistics
 * (`./pilot`). No I/O and no platform imports; the calibration math itself stays in c/calibrationEngine.
 */
export * from './lifecycle';
export * from './pilot';
