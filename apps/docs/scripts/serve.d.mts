export declare const ISOLATION_HEADERS: Record<string, string>;
export declare function serve(options?: { root?: string; host?: string; port?: number }): Promise<{
  url: string;
  close: () => Promise<void>;
}>;
