import { lifecycleSuite } from './lifecycle.ts';
import { manPageSuite } from './man-page.ts';

// Red Hat's 2.4.18 BUGs in vmalloc() like 2.4.20.
manPageSuite('2.4.18', { hugeSize: 'oops' });

lifecycleSuite('2.4.18');
