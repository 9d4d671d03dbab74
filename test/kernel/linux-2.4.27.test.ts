import { lifecycleSuite } from './lifecycle.ts';
import { manPageSuite } from './man-page.ts';

// 2.4.27's vmalloc() refuses sizes beyond physical memory: the man page's ENOMEM.
manPageSuite('2.4.27', { hugeSize: 'ENOMEM' });

lifecycleSuite('2.4.27');
