/** A file the user gave us (dropped, picked, or fetched from the built-in sample), with its relative path. */
export interface SourceFile {
  /** `/`-separated path relative to the dropped folder's parent, e.g. `train/SlideUp/v_SlideUp_g01_c01.mp4`. */
  path: string;
  file: File;
}

export function baseName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}
