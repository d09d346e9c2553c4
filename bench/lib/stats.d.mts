export declare const median: (xs: number[]) => number;
export declare const machineLoad: () => string;
export declare function alternate<A, B>(n: number, a: (i: number) => Promise<A>, b: (i: number) => Promise<B>): Promise<[A[], B[]]>;
