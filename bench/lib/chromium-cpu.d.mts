export declare function chromiumCpuMs(skipPids?: number[]): number;
