/**
 * The analysis at the heart of a run, without I/O: governance prepares each policy from the run history, the
 * engine and the pilots read one stream of records, then governance judges each recommendation. The job feeds it
 * from a source; the dashboard's fixtures feed it a generated org directly, so both show the same thing.
 */
import {
    createCalibrator,
    type CalibrationResult,
    type CalibrationSettings,
    type SegmentPolicy
} from '../../force-app/main/default/lwc/calibrationEngine/calibrationEngine';
import {
    preparePolicy,
    type PilotConfig,
    type RunSnapshot
} from '../../force-app/main/default/lwc/calibrationGovernance/calibrationGovernance';
import { governSegments, type SegmentGovernance } from './governance';
import { PilotSink, type PilotReport, type PilotStamp } from './pilots';
import type { RecordSink } from '../sources/types';

export interface Analysis {
    /** Where the records go: opportunities first, then leads. */
    sink: RecordSink;
    /** Lead fields the pilots partition by (a source must read them into each lead's attributes). */
    pilotFields: string[];
    /** After the last record: the engine's result, each segment's governance, each pilot's comparison. */
    finish(): {
        calibration: CalibrationResult;
        governance: SegmentGovernance[];
        pilots: PilotReport[];
        pilotStamps: PilotStamp[];
    };
}

/**
 * Starts an analysis. `policies` are the policies as read; `history` each segment's earlier runs, oldest first
 * (null when the source keeps none); `pilots` the pilots running.
 */
export function startAnalysis(input: {
    policies: SegmentPolicy[];
    pilots: PilotConfig[];
    settings: CalibrationSettings;
    asOf: string;
    history: Map<string, RunSnapshot[]> | null;
}): Analysis {
    const { asOf, settings, history } = input;
    const prepared = input.policies.map(
        (p) => preparePolicy(p, history?.get(p.name) ?? [], asOf, settings).policy
    );
    const calibrator = createCalibrator({ policies: prepared, settings, asOf });
    const sink = new PilotSink(calibrator, input.pilots, asOf);
    return {
        sink,
        pilotFields: [...new Set(input.pilots.map((p) => p.field))],
        finish() {
            const calibration = calibrator.finish();
            const governance = governSegments({
                policies: input.policies,
                segments: calibration.segments,
                history,
                asOf,
                settings
            });
            return {
                calibration,
                governance,
                pilots: sink.reports(),
                pilotStamps: sink.stamps.toArray()
            };
        }
    };
}
