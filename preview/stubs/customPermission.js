// Preview stand-in: the previewing user has the MQL_Calibration_Admin custom permission.
export default true;
