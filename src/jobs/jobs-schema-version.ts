/**
 * The version of lockstep's jobs tables this code expects. Each dialect's job store
 * carries migrations up to exactly this version (a test keeps them in step); workers
 * refuse to start on any other version, and `lockstep health` compares against it.
 */
export const JOBS_SCHEMA_VERSION = 2;
