/**
 * Arabic (Modern Standard Arabic), shown right to left. Latin fragments (okID, QR, the URL) sit
 * at positions where the bidi algorithm orders them correctly, so no direction marks are added.
 */
import type { Strings } from '../element/strings.js';
import type { CaptureStrings } from '../capture/strings.js';
import type { Translation } from './types.js';

/** Arabic counts: 1 and 2 have their own forms, 3–10 take the plural, 11 and up the singular. */
const photos = (count: number): string => {
  if (count === 1) return 'صورة واحدة';
  if (count === 2) return 'صورتين';
  const lastTwo = count % 100;
  return lastTwo >= 3 && lastTwo <= 10 ? `${count} صور` : `${count} صورة`;
};

export const element: Translation<Strings> = {
  title: 'التحقق من هويتك',
  scanQr: 'امسح هذا الرمز بكاميرا هاتفك لمتابعة العملية عليه.',
  qrAlt: (url) => `رمز QR يفتح عملية التحقق على هاتفك: ${url}`,
  openHere: 'فتح على هذا الجهاز',
  copyLink: 'نسخ الرابط',
  copied: 'تم نسخ الرابط',
  copyFailed: 'تعذّر النسخ: حدّد الرابط وانسخه يدويًا',
  timeLeft: (time) => `الوقت المتبقي: ${time}`,
  expiredShort: 'انتهت صلاحية هذا الرمز',
  waiting: 'في انتظار هاتفك…',
  continueOnPhone: 'تابع على هاتفك',
  continueOnPhoneHint: 'أبقِ هذه الصفحة مفتوحة، فهي تُحدَّث تلقائيًا مع تقدّمك.',
  steps: {
    terms: 'الشروط',
    document: 'وثيقة الهوية',
    liveness: 'التحقق من الوجه',
    form_data: 'البيانات',
  },
  stepDone: 'تم',
  stepPending: 'لم يكتمل بعد',
  processing: 'جارٍ التحقق من بياناتك…',
  verified: 'تم التحقق من هويتك',
  manualReview: 'شكرًا لك، طلبك قيد المراجعة',
  manualReviewHint: 'سنبلغك بالنتيجة فور انتهاء المراجعة.',
  failed: 'لم نتمكن من التحقق من هويتك',
  expired: 'انتهت صلاحية عملية التحقق هذه',
  canceled: 'تم إلغاء عملية التحقق هذه',
  notFound: 'عملية التحقق هذه غير موجودة',
  accessDenied: 'ليست لديك صلاحية الوصول إلى عملية التحقق هذه',
  configInvalid: 'تعذّر بدء عملية التحقق هذه',
  reconnecting: 'انقطع الاتصال. جارٍ إعادة المحاولة…',
  retryNow: 'إعادة المحاولة الآن',
  loading: 'جارٍ التحميل…',
  captureLoadFailed: 'تعذّر تحميل خطوات الكاميرا. تحقق من اتصالك بالإنترنت.',
};

export const capture: Translation<CaptureStrings> = {
  title: 'التحقق من هويتك',
  loading: 'جارٍ التحميل…',
  termsTitle: 'قبل أن تبدأ',
  termsBody:
    'ستلتقط صورًا لوثيقة هويتك ولوجهك، ثم تُرسل إلى okID لتتحقق، نيابةً عن الموقع الذي أحالك إلى هنا، من أن الوثيقة أصلية وأنك صاحبها. لا يُحفظ أي شيء على هذا الهاتف.',
  termsWhat: ['جهّز جواز سفرك أو بطاقة هويتك أو رخصة القيادة.', 'اختر مكانًا جيد الإضاءة.', 'تستغرق العملية دقيقتين تقريبًا.'],
  accept: 'أوافق، ابدأ',
  chooseDocument: 'ما الوثيقة التي ستستخدمها؟',
  documentTypes: { passport: 'جواز السفر', id_card: 'بطاقة الهوية', driving_licence: 'رخصة القيادة' },
  sideTitle: (type, side) => `${type}: ${side === 'front' ? 'الوجه الأمامي' : 'الوجه الخلفي'}`,
  placeDocument: 'ضع الوثيقة داخل الإطار',
  advice: {
    ok: 'ابقَ ثابتًا…',
    too_dark: 'الإضاءة خافتة جدًا: ابحث عن مكان أكثر إضاءة',
    too_bright: 'الإضاءة ساطعة جدًا: ابتعد عن الضوء المباشر',
    glare: 'يوجد انعكاس على الوثيقة: أمِلها قليلًا',
    blurry: 'ثبّت الهاتف أو أبعده قليلًا',
  },
  shutter: 'التقاط صورة',
  reviewTitle: 'تحقق من الصورة',
  reviewHint: 'هل النص كله واضح ومقروء، دون انعكاس أو ضبابية؟',
  reviewAlt: 'الصورة التي التقطتها',
  retake: 'إعادة الالتقاط',
  usePhoto: 'استخدام هذه الصورة',
  livenessTitle: 'والآن، تحقق سريع من الوجه',
  livenessBody: 'سنلتقط صورة سيلفي ونطلب منك أن تدير رأسك ببطء. أزِل النظارات أو القبعات التي تحجب وجهك.',
  start: 'ابدأ',
  faceGuidance: {
    no_face: 'ضع وجهك داخل الشكل البيضاوي',
    move_closer: 'اقترب قليلًا',
    center_face: 'ضع وجهك في وسط الشكل البيضاوي',
    hold_still: 'ابقَ ثابتًا…',
    turn_left: 'أدر رأسك ببطء إلى اليسار',
    turn_right: 'أدر رأسك ببطء إلى اليمين',
    look_straight: 'انظر مباشرةً إلى الكاميرا',
    look_up: 'ارفع رأسك ببطء إلى الأعلى',
    look_down: 'اخفض رأسك ببطء إلى الأسفل',
    done: 'تم',
  },
  promptLabel: (index, total) => `الخطوة ${index} من ${total}`,
  uploading: (pending) => `جارٍ إرسال ${photos(pending)}…`,
  waitingForNetwork: 'لا يوجد اتصال. صورك في أمان على هذا الهاتف وستُرسل فور عودة الاتصال.',
  submitting: 'جارٍ الإرسال…',
  processing: 'جارٍ التحقق من بياناتك…',
  doneVerified: 'تم التحقق من هويتك',
  doneReview: 'شكرًا لك! طلبك قيد المراجعة.',
  doneHint: 'يمكنك إغلاق هذه الصفحة والعودة إلى الموقع.',
  failed: 'لم نتمكن من التحقق من هويتك',
  expired: 'انتهت صلاحية عملية التحقق هذه. عُد إلى الموقع لبدء عملية جديدة.',
  canceled: 'تم إلغاء عملية التحقق هذه.',
  otherDevice: 'عملية التحقق هذه مفتوحة بالفعل على جهاز آخر. تابع من هناك.',
  notFound: 'رابط التحقق هذا غير صالح.',
  redirecting: (seconds) => `ستعود إلى الموقع خلال ${seconds}…`,
  returnNow: 'العودة الآن',
  retry: 'إعادة المحاولة',
  networkProblem: 'يتعذّر الوصول إلى خدمة التحقق. تحقق من اتصالك بالإنترنت.',
  uploadProblem: 'تعذّر إرسال إحدى الصور. يُرجى التقاطها مرة أخرى.',
  unreadablePhoto: 'تعذّرت قراءة هذه الصورة. يُرجى اختيار صورة أخرى.',
  useFile: 'التقاط صورة بتطبيق الكاميرا',
  useFileHint: 'أو اختر صورة للوثيقة من ملفاتك.',
  useFileSelfie: 'التقاط صورة سيلفي بتطبيق الكاميرا',
  filePrompt: {
    straight: 'التقط صورة سيلفي وأنت تنظر مباشرةً إلى الكاميرا',
    left: 'التقط صورة سيلفي ورأسك متجه إلى اليسار',
    right: 'التقط صورة سيلفي ورأسك متجه إلى اليمين',
    up: 'التقط صورة سيلفي وأنت تنظر إلى الأعلى',
    down: 'التقط صورة سيلفي وأنت تنظر إلى الأسفل',
  },
  cameraRetry: 'تجربة الكاميرا مرة أخرى',
};
